// SPDX-License-Identifier: BSD-2-Clause
/* rules.c - the rule table, dispatch and the predicates rules share. */
#include "rules.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "detect.h"

const struct dt_rule_def dt_rule_defs[DT_RULE_COUNT] = {
	[DT_R_PORT_SCAN] = { "port_scan", "NTD-0001",
			     "One source made failed connection attempts to many distinct ports of one host "
			     "within the window (Zeek scan.zeek Port_Scan).",
			     "intrusion_detection", "T1046", "Network Service Discovery", NULL,
			     NULL, "TA0007", "Discovery" },
	[DT_R_ADDRESS_SCAN] = { "address_scan", "NTD-0002",
				"One source made failed connection attempts to many distinct hosts on one port "
				"within the window (Zeek scan.zeek / bro-simple-scan Address_Scan).",
				"intrusion_detection", "T1046", "Network Service Discovery", NULL,
				NULL, "TA0007", "Discovery" },
	[DT_R_REMOTE_ACCESS] = { "remote_access_in_container", "NTD-0003",
				 "An interactive remote-access protocol (SSH, RDP, VNC, named from the payload) "
				 "to or from a pod.",
				 "intrusion_detection", "T1021", "Remote Services", NULL, NULL,
				 "TA0008", "Lateral Movement" },
	[DT_R_CRYPTO_MINING] = { "crypto_mining", "NTD-0004",
				 "The Stratum mining protocol (named from the payload, on any port).",
				 "intrusion_detection", "T1496", "Resource Hijacking", NULL, NULL,
				 "TA0040", "Impact" },
	[DT_R_LONG_CONNECTION] = { "long_connection", "NTD-0005",
				   "A connection open for longer than the threshold (RITA long connections).",
				   "network", "T1071", "Application Layer Protocol", NULL, NULL,
				   "TA0011", "Command and Control" },
	[DT_R_BEACONING] = { "beaconing", "NTD-0006",
			     "Periodic connections from one source to one destination (RITA beacon score).",
			     "network", "T1071", "Application Layer Protocol", "T1071.001",
			     "Web Protocols", "TA0011", "Command and Control" },
	[DT_R_DNS_TUNNEL] = { "dns_tunnel", "NTD-0007",
			      "One client asked many unique, long or high-entropy subdomains of one "
			      "registered domain, or mostly TXT/NULL/private types (RITA DNS tunnelling; "
			      "iodine, dnscat2).",
			      "network", "T1071", "Application Layer Protocol", "T1071.004", "DNS",
			      "TA0011", "Command and Control" },
	[DT_R_NEW_DESTINATION] = { "new_destination", "NTD-0008",
				   "A workload reached an external destination it did not reach during "
				   "its learning window (RITA first seen / prevalence).",
				   "network", "T1071", "Application Layer Protocol", NULL, NULL,
				   "TA0011", "Command and Control" },
	[DT_R_EGRESS_SPIKE] = { "egress_spike", "NTD-0009",
				"A workload sent far more bytes out in one bucket than its own baseline "
				"(Elastic's data-exfiltration jobs).",
				"network", "T1048", "Exfiltration Over Alternative Protocol", NULL,
				NULL, "TA0010", "Exfiltration" },
	[DT_R_SENSOR_BLIND] = { "sensor_blind", "NTD-0010",
				"A node's sensor went silent (heartbeats missed), lost interfaces, failed "
				"to attach or is losing records.",
				"host", "T1562", "Impair Defenses", "T1562.001",
				"Disable or Modify Tools", "TA0005", "Defense Evasion" },
};

void dt_rules_record(struct dt_detector *d, const struct dt_record *r)
{
	if (r->ds == DT_DS_DNS)
		dt_rule_dns_record(d, r);
	else if (r->ds == DT_DS_HEARTBEAT)
		dt_rule_sensor_record(d, r);
	if (r->ds == DT_DS_FLOW) {
		dt_rule_scan_record(d, r);
		dt_rule_watch_record(d, r);
		dt_rule_long_record(d, r);
		dt_rule_beacon_record(d, r);
		dt_rule_newdest_record(d, r);
		dt_rule_egress_record(d, r);
	}
	dt_rule_sensor_tick(d);
}

void dt_rules_flush(struct dt_detector *d)
{
	dt_rule_beacon_flush(d);
	dt_rule_sensor_tick(d);
}

bool dt_failed_attempt(const struct dt_record *r)
{
	const char *cs = r->conn_state;

	if (!strcmp(r->transport, "tcp")) {
		if (!cs)
			return false;
		if (!strcmp(cs, "S0") || !strcmp(cs, "REJ") || !strcmp(cs, "RSTOS0"))
			return true;
		/* RSTR with no data: neither side pushed a payload */
		return !strcmp(cs, "RSTR") && !r->src.psh && !r->dst.psh;
	}
	/* UDP with no reply; counts are per report, so only a flow's first one says so */
	if (!strcmp(r->transport, "udp"))
		return r->report_seq == 1 && r->dst.packets == 0;
	return false;
}

bool dt_is_pod_end(const struct dt_k8s *k8s, bool include_nodes)
{
	if (!k8s->json)
		return false;
	return include_nodes || k8s->has_pod || k8s->has_ns;
}

bool dt_namespace_allowed(const struct dt_record *r, const struct dt_strs *namespaces)
{
	if (!namespaces->n)
		return false;
	return dt_strs_has(namespaces, r->src.k8s.ns) || dt_strs_has(namespaces, r->dst.k8s.ns);
}

int dt_workload_key(const struct dt_k8s *k8s, bool include_nodes, char *buf, size_t n)
{
	const char *ns = k8s->ns;
	const char *wl = k8s->wl_name;
	const char *node = k8s->node_name;

	if (!wl)
		wl = k8s->pod_name;
	if (!wl)
		wl = k8s->svc_name;
	if (ns && wl) {
		snprintf(buf, n, "%s/%s", ns, wl);
		return 0;
	}
	if (include_nodes && node) {
		snprintf(buf, n, "node/%s", node);
		return 0;
	}
	return -1;
}

double dt_entropy(const char *s, size_t n)
{
	unsigned count[256] = { 0 };
	double h = 0;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		count[(unsigned char)s[i]]++;
	for (int c = 0; c < 256; c++) {
		if (!count[c])
			continue;
		double p = (double)count[c] / (double)n;

		h -= p * log2(p);
	}
	return h;
}
