// SPDX-License-Identifier: BSD-2-Clause
/* config.c - defaults, the key=value loader, allow-list matching. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <strings.h>

#define SEC 1000000LL

static void strs_add(struct dt_strs *l, const char *s)
{
	if (l->n < DT_LIST_MAX)
		l->v[l->n++] = strdup(s);
}

static void strs_clear(struct dt_strs *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

static void scan_defaults(struct dt_scan_cfg *s)
{
	/* Zeek policy/misc/scan.zeek: port_scan_threshold 15, 5 min intervals */
	s->port_threshold = 15;
	s->port_window_us = 300 * SEC;
	s->port_suppress_us = 300 * SEC;
	/* scan.zeek addr_scan_threshold 25; bro-simple-scan: remote 25, local 250 */
	s->addr_threshold_remote = 25;
	s->addr_threshold_local = 250;
	s->addr_window_us = 300 * SEC;
	s->addr_suppress_us = 300 * SEC;
}

static void beacon_defaults(struct dt_beacon_cfg *b)
{
	/* RITA default_config.hjson scoring.beacon, except min_connections (brief: 20) */
	b->min_connections = 20;
	b->threshold = 0.7;
	b->window_us = 86400 * SEC;
	b->suppress_us = 86400 * SEC;
	b->eval_interval_us = 300 * SEC;
	b->max_connections = 86400;
	strs_add(&b->directions, "outbound");
	b->ts_weight = b->ds_weight = b->dur_weight = b->hist_weight = 0.25;
	b->hist_mode_sensitivity = 0.05;
	b->hist_bimodal_outlier_removal = 1;
	b->hist_bimodal_min_hours = 11;
	b->hist_bins = 24;
	b->dur_min_hours = 6;
	b->dur_ideal_hours = 12;
}

static void strs_add_all(struct dt_strs *l, const char *const *v)
{
	for (; *v; v++)
		strs_add(l, *v);
}

static void rules2_defaults(struct dt_config *c)
{
	static const char *const types[] = { "TXT", "NULL", "PRIVATE", NULL };
	static const char *const dns_allow[] = { "cluster.local", ".in-addr.arpa", ".ip6.arpa",
						 NULL };
	static const char *const losses[] = { "table_full",	      "overflow_lost_packets",
					      "ringbuf_full",	      "close_events_lost",
					      "records_write_errors", "kafka_failed",
					      "spool_dropped_full",   "spool_dropped_corrupt",
					      "spool_dropped_io",     NULL };
	static const char *const ephemeral[] = { "veth", "cali", "lxc", "eni",
						 "gke",	 "azv",	 "tap", NULL };
	struct dt_dns_tunnel_cfg *t = &c->dns_tunnel;

	/* RITA: 100 unique subdomains per registered domain over its dataset (a day) */
	t->unique_subdomains = 100;
	t->suspicious_subdomains = 20;
	t->long_label = 40;
	t->entropy_min_length = 24;
	t->entropy = 4.0;
	strs_add_all(&t->tunnel_types, types);
	t->tunnel_type_min = 20;
	t->tunnel_type_ratio = 0.5;
	t->max_subdomains = 10000;
	t->window_us = 86400 * SEC;
	t->suppress_us = 86400 * SEC;
	strs_add_all(&t->allow_domains, dns_allow);
	/* RITA first-seen: a destination new to the workload after a day of learning */
	c->newdest.learning_us = 86400 * SEC;
	c->newdest.retention_us = 7 * 86400 * SEC;
	c->newdest.max_destinations = 10000;
	strs_add(&c->newdest.directions, "outbound");
	/* Elastic's exfiltration jobs: bytes out per hour against the entity's own history */
	c->egress.bucket_us = 3600 * SEC;
	c->egress.min_buckets = 6;
	c->egress.history = 24;
	c->egress.factor = 10;
	c->egress.min_bytes = (size_t)50 << 20;
	c->egress.retention_us = 7 * 86400 * SEC;
	strs_add(&c->egress.directions, "outbound");
	c->egress.suppress_us = 3600 * SEC;
	c->blind.missed_intervals = 2;
	c->blind.interfaces = c->blind.attach_errors = true;
	strs_add_all(&c->blind.loss_counters, losses);
	strs_add_all(&c->blind.ephemeral_interfaces, ephemeral);
	c->blind.idle_intervals = 10;
	c->blind.max_nodes = 10000;
	c->blind.suppress_us = 3600 * SEC;
}

void dt_config_defaults(struct dt_config *c)
{
	memset(c, 0, sizeof(*c));
	c->memory_cap_bytes = (size_t)256 << 20;
	c->max_evidence = 20;
	scan_defaults(&c->scan);
	strs_add(&c->remote_access.protocols, "ssh");
	strs_add(&c->remote_access.protocols, "rdp");
	strs_add(&c->remote_access.protocols, "vnc");
	c->remote_access.suppress_us = 3600 * SEC;
	strs_add(&c->crypto.protocols, "stratum");
	c->crypto.include_nodes = true;
	c->crypto.suppress_us = 3600 * SEC;
	/* RITA long_connection_minimum_duration: 3600 s */
	c->longconn.min_duration_us = 3600 * SEC;
	strs_add(&c->longconn.directions, "outbound");
	c->longconn.suppress_us = 86400 * SEC;
	beacon_defaults(&c->beacon);
	rules2_defaults(c);
}

void dt_config_free(struct dt_config *c)
{
	strs_clear(&c->scan.allow_namespaces);
	strs_clear(&c->remote_access.protocols);
	strs_clear(&c->remote_access.allow_namespaces);
	strs_clear(&c->crypto.protocols);
	strs_clear(&c->crypto.allow_namespaces);
	strs_clear(&c->longconn.directions);
	strs_clear(&c->longconn.allow_namespaces);
	strs_clear(&c->beacon.directions);
	strs_clear(&c->beacon.allow_namespaces);
	strs_clear(&c->beacon.allow_domains);
	strs_clear(&c->dns_tunnel.tunnel_types);
	strs_clear(&c->dns_tunnel.allow_domains);
	strs_clear(&c->dns_tunnel.allow_namespaces);
	strs_clear(&c->newdest.directions);
	strs_clear(&c->newdest.allow_namespaces);
	strs_clear(&c->newdest.allow_domains);
	strs_clear(&c->egress.directions);
	strs_clear(&c->egress.allow_namespaces);
	strs_clear(&c->blind.loss_counters);
	strs_clear(&c->blind.ephemeral_interfaces);
}

int dt_parse_duration_us(const char *s, int64_t *out)
{
	char *end;
	double v;
	double mult = 1;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return -1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		mult = 60, end++;
	else if (*end == 'h')
		mult = 3600, end++;
	else if (*end == 'd')
		mult = 86400, end++;
	if (*end)
		return -1;
	*out = (int64_t)(v * mult * SEC + 0.5);
	return 0;
}

bool dt_cidrs_match(const struct dt_cidrs *l, const char *ip)
{
	struct nt_cidr a;

	if (!ip || !l->n || nt_cidr_parse(ip, NT_CIDR_BARE, &a))
		return false;
	for (int i = 0; i < l->n; i++)
		if (nt_cidr_contains(&l->v[i], a.addr))
			return true;
	return false;
}

bool dt_strs_has(const struct dt_strs *l, const char *s)
{
	if (!s)
		return false;
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

/* "example.com" matches itself; ".example.com" matches it and every subdomain. */
bool dt_domain_allowed(const struct dt_strs *l, const char *name)
{
	size_t nl;

	if (!name)
		return false;
	nl = strlen(name);
	for (int i = 0; i < l->n; i++) {
		const char *p = l->v[i];
		size_t pl = strlen(p);

		if (p[0] == '.') {
			if (nl == pl - 1 && !strcasecmp(name, p + 1))
				return true;
			if (nl > pl && !strcasecmp(name + nl - pl, p))
				return true;
		} else if (!strcasecmp(name, p)) {
			return true;
		}
	}
	return false;
}

enum kt { K_INT, K_DBL, K_DUR, K_BOOL, K_STRS, K_CIDRS, K_MB };

struct key {
	const char *name;
	enum kt type;
	size_t off;
};

#define F(m) offsetof(struct dt_config, m)

static const struct key keys[] = {
	{ "memory_cap_mb", K_MB, F(memory_cap_bytes) },
	{ "max_evidence", K_INT, F(max_evidence) },
	{ "port_scan.threshold", K_INT, F(scan.port_threshold) },
	{ "port_scan.window", K_DUR, F(scan.port_window_us) },
	{ "port_scan.suppress", K_DUR, F(scan.port_suppress_us) },
	{ "address_scan.threshold_remote", K_INT, F(scan.addr_threshold_remote) },
	{ "address_scan.threshold_local", K_INT, F(scan.addr_threshold_local) },
	{ "address_scan.window", K_DUR, F(scan.addr_window_us) },
	{ "address_scan.suppress", K_DUR, F(scan.addr_suppress_us) },
	{ "scan.allow_sources", K_CIDRS, F(scan.allow_sources) },
	{ "scan.allow_namespaces", K_STRS, F(scan.allow_namespaces) },
	{ "scan.local_networks", K_CIDRS, F(scan.local_networks) },
	{ "remote_access.protocols", K_STRS, F(remote_access.protocols) },
	{ "remote_access.allow_namespaces", K_STRS, F(remote_access.allow_namespaces) },
	{ "remote_access.include_nodes", K_BOOL, F(remote_access.include_nodes) },
	{ "remote_access.suppress", K_DUR, F(remote_access.suppress_us) },
	{ "crypto_mining.protocols", K_STRS, F(crypto.protocols) },
	{ "crypto_mining.allow_namespaces", K_STRS, F(crypto.allow_namespaces) },
	{ "crypto_mining.suppress", K_DUR, F(crypto.suppress_us) },
	{ "long_connection.min_duration", K_DUR, F(longconn.min_duration_us) },
	{ "long_connection.directions", K_STRS, F(longconn.directions) },
	{ "long_connection.allow_namespaces", K_STRS, F(longconn.allow_namespaces) },
	{ "long_connection.suppress", K_DUR, F(longconn.suppress_us) },
	{ "beaconing.min_connections", K_INT, F(beacon.min_connections) },
	{ "beaconing.threshold", K_DBL, F(beacon.threshold) },
	{ "beaconing.window", K_DUR, F(beacon.window_us) },
	{ "beaconing.suppress", K_DUR, F(beacon.suppress_us) },
	{ "beaconing.eval_interval", K_DUR, F(beacon.eval_interval_us) },
	{ "beaconing.max_connections", K_INT, F(beacon.max_connections) },
	{ "beaconing.directions", K_STRS, F(beacon.directions) },
	{ "beaconing.allow_namespaces", K_STRS, F(beacon.allow_namespaces) },
	{ "beaconing.allow_domains", K_STRS, F(beacon.allow_domains) },
	{ "beaconing.ts_weight", K_DBL, F(beacon.ts_weight) },
	{ "beaconing.ds_weight", K_DBL, F(beacon.ds_weight) },
	{ "beaconing.dur_weight", K_DBL, F(beacon.dur_weight) },
	{ "beaconing.hist_weight", K_DBL, F(beacon.hist_weight) },
	{ "beaconing.hist_mode_sensitivity", K_DBL, F(beacon.hist_mode_sensitivity) },
	{ "beaconing.hist_bimodal_outlier_removal", K_INT, F(beacon.hist_bimodal_outlier_removal) },
	{ "beaconing.hist_bimodal_min_hours", K_INT, F(beacon.hist_bimodal_min_hours) },
	{ "beaconing.hist_bins", K_INT, F(beacon.hist_bins) },
	{ "beaconing.duration_min_hours", K_INT, F(beacon.dur_min_hours) },
	{ "beaconing.duration_ideal_hours", K_INT, F(beacon.dur_ideal_hours) },
	{ "dns_tunnel.unique_subdomains", K_INT, F(dns_tunnel.unique_subdomains) },
	{ "dns_tunnel.suspicious_subdomains", K_INT, F(dns_tunnel.suspicious_subdomains) },
	{ "dns_tunnel.long_label", K_INT, F(dns_tunnel.long_label) },
	{ "dns_tunnel.entropy_min_length", K_INT, F(dns_tunnel.entropy_min_length) },
	{ "dns_tunnel.entropy", K_DBL, F(dns_tunnel.entropy) },
	{ "dns_tunnel.tunnel_types", K_STRS, F(dns_tunnel.tunnel_types) },
	{ "dns_tunnel.tunnel_type_min", K_INT, F(dns_tunnel.tunnel_type_min) },
	{ "dns_tunnel.tunnel_type_ratio", K_DBL, F(dns_tunnel.tunnel_type_ratio) },
	{ "dns_tunnel.max_subdomains", K_INT, F(dns_tunnel.max_subdomains) },
	{ "dns_tunnel.window", K_DUR, F(dns_tunnel.window_us) },
	{ "dns_tunnel.suppress", K_DUR, F(dns_tunnel.suppress_us) },
	{ "dns_tunnel.allow_domains", K_STRS, F(dns_tunnel.allow_domains) },
	{ "dns_tunnel.allow_namespaces", K_STRS, F(dns_tunnel.allow_namespaces) },
	{ "new_destination.learning", K_DUR, F(newdest.learning_us) },
	{ "new_destination.retention", K_DUR, F(newdest.retention_us) },
	{ "new_destination.max_destinations", K_INT, F(newdest.max_destinations) },
	{ "new_destination.max_prevalence", K_INT, F(newdest.max_prevalence) },
	{ "new_destination.directions", K_STRS, F(newdest.directions) },
	{ "new_destination.allow_namespaces", K_STRS, F(newdest.allow_namespaces) },
	{ "new_destination.allow_domains", K_STRS, F(newdest.allow_domains) },
	{ "new_destination.include_nodes", K_BOOL, F(newdest.include_nodes) },
	{ "egress_spike.bucket", K_DUR, F(egress.bucket_us) },
	{ "egress_spike.min_buckets", K_INT, F(egress.min_buckets) },
	{ "egress_spike.history", K_INT, F(egress.history) },
	{ "egress_spike.factor", K_DBL, F(egress.factor) },
	{ "egress_spike.min_mb", K_MB, F(egress.min_bytes) },
	{ "egress_spike.retention", K_DUR, F(egress.retention_us) },
	{ "egress_spike.directions", K_STRS, F(egress.directions) },
	{ "egress_spike.allow_namespaces", K_STRS, F(egress.allow_namespaces) },
	{ "egress_spike.include_nodes", K_BOOL, F(egress.include_nodes) },
	{ "egress_spike.suppress", K_DUR, F(egress.suppress_us) },
	{ "sensor_blind.missed_intervals", K_INT, F(blind.missed_intervals) },
	{ "sensor_blind.interfaces", K_BOOL, F(blind.interfaces) },
	{ "sensor_blind.attach_errors", K_BOOL, F(blind.attach_errors) },
	{ "sensor_blind.loss_counters", K_STRS, F(blind.loss_counters) },
	{ "sensor_blind.ephemeral_interfaces", K_STRS, F(blind.ephemeral_interfaces) },
	{ "sensor_blind.idle_intervals", K_INT, F(blind.idle_intervals) },
	{ "sensor_blind.max_nodes", K_INT, F(blind.max_nodes) },
	{ "sensor_blind.suppress", K_DUR, F(blind.suppress_us) },
};

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* A comma-separated list into strings or prefixes; "" empties the list. */
static int set_list(void *dst, enum kt t, const char *value)
{
	char *copy = strdup(value), *save = NULL, *tok;
	int rc = 0;

	if (t == K_STRS)
		strs_clear(dst);
	else
		((struct dt_cidrs *)dst)->n = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		char *item = trim(tok);

		if (!*item)
			continue;
		if (t == K_STRS) {
			strs_add(dst, item);
			continue;
		}
		struct dt_cidrs *l = dst;
		if (l->n >= DT_LIST_MAX || nt_cidr_parse(item, NT_CIDR_BARE, &l->v[l->n]))
			rc = -1;
		else
			l->n++;
	}
	free(copy);
	return rc;
}

static int set_scalar(void *dst, enum kt t, const char *v)
{
	char *end;
	double d;

	switch (t) {
	case K_DUR:
		return dt_parse_duration_us(v, dst);
	case K_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes"))
			*(bool *)dst = true;
		else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no"))
			*(bool *)dst = false;
		else
			return -1;
		return 0;
	default:
		break;
	}
	errno = 0;
	d = strtod(v, &end);
	if (end == v || *end || errno || d < 0)
		return -1;
	if (t == K_INT) {
		if (d != (double)(int)d)
			return -1;
		*(int *)dst = (int)d;
	} else if (t == K_DBL) {
		*(double *)dst = d;
	} else {
		*(size_t *)dst = (size_t)(d * 1048576.0);
	}
	return 0;
}

int dt_config_set(struct dt_config *c, const char *key, const char *value, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		void *dst = (char *)c + keys[i].off;
		int rc;

		if (strcmp(keys[i].name, key))
			continue;
		int old_evidence = c->max_evidence;

		if (keys[i].type == K_STRS || keys[i].type == K_CIDRS)
			rc = set_list(dst, keys[i].type, value);
		else
			rc = set_scalar(dst, keys[i].type, value);
		if (rc) {
			snprintf(err, errlen, "bad value for %s: '%s'", key, value);
		} else if (c->max_evidence < 1 || c->max_evidence > 20) {
			snprintf(err, errlen, "max_evidence must be 1..20");
			c->max_evidence = old_evidence;
			rc = -1;
		}
		return rc;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -1;
}

const char *dt_config_key(size_t i)
{
	return i < sizeof(keys) / sizeof(keys[0]) ? keys[i].name : NULL;
}

int dt_config_load(struct dt_config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[4096], msg[512];
	int lineno = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#'), *eq, *s;

		lineno++;
		if (hash)
			*hash = 0;
		s = trim(line);
		if (!*s)
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
			fclose(f);
			return -1;
		}
		*eq = 0;
		if (dt_config_set(c, trim(s), trim(eq + 1), msg, sizeof(msg))) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

int dt_config_check(const struct dt_config *c, char *err, size_t errlen)
{
	const struct dt_beacon_cfg *b = &c->beacon;
	double sum = b->ts_weight + b->ds_weight + b->dur_weight + b->hist_weight;

	if (sum < 0.999999 || sum > 1.000001) {
		snprintf(err, errlen, "beaconing weights must sum to 1 (they sum to %g)", sum);
		return -1;
	}
	if (b->hist_bins < 1 || b->dur_min_hours < 1 || b->dur_ideal_hours < 1) {
		snprintf(err, errlen, "beaconing hist_bins and duration hours must be >= 1");
		return -1;
	}
	if (b->min_connections < 4 || b->max_connections < b->min_connections) {
		snprintf(err, errlen, "beaconing needs 4 <= min_connections <= max_connections");
		return -1;
	}
	if (c->dns_tunnel.unique_subdomains < 1 || c->dns_tunnel.max_subdomains < 1 ||
	    c->dns_tunnel.window_us <= 0 || c->newdest.max_destinations < 1 ||
	    c->egress.bucket_us <= 0 || c->egress.history < 1 || c->egress.min_buckets < 1 ||
	    c->egress.min_buckets > c->egress.history || c->blind.missed_intervals < 1 ||
	    c->blind.max_nodes < 1) {
		snprintf(err, errlen,
			 "dns_tunnel, new_destination, egress_spike or sensor_blind: "
			 "a count or window out of range (see docs/detections.md)");
		return -1;
	}
	if (c->scan.port_threshold < 1 || c->scan.addr_threshold_remote < 1 ||
	    c->scan.addr_threshold_local < 1) {
		snprintf(err, errlen, "scan thresholds must be >= 1");
		return -1;
	}
	return 0;
}
