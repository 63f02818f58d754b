// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_enrich - flow records per second through the encoder with
 * Kubernetes enrichment off and on.
 *
 *   bench_enrich [--pods N] [--records R]
 *
 * "on": a metadata store of N pods (100 namespaces, a Deployment and a
 * Service each, dual-stack IPs) and cluster/service CIDRs; every record's
 * two ends are pod IPs, so each record costs two identity lookups, the
 * direction by CIDR, and two pre-rendered "kubernetes" objects copied in.
 * "off": the same records, addresses only. Records go to /dev/null through
 * the real recorder and sink. Prints one JSON object per case.
 *
 *   bench_enrich --formats [--pods N] [--records R] [--rounds K]
 *
 * The encoders side by side (docs/ocsf.md): the same enriched TLS flow
 * reports through the ECS encoder and the OCSF one at 1.1.0 and 1.8.0,
 * alternating K rounds of each (the machine may be shared), CPU ns per
 * record (the best round of each) and OCSF's ratio to ECS.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "enrich.h"
#include "k8s.h"
#include "k8s_ident.h"
#include "ocsf.h"
#include "payload.h"
#include "record.h"
#include "sink.h"
#include "synth_pods.h"

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *ifname(void *ctx, uint32_t i)
{
	(void)ctx;
	(void)i;
	return "eth0";
}

static void pod_ip(long i, uint8_t a[16])
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = 10;
	a[13] = (uint8_t)(64 + (i >> 16));
	a[14] = (uint8_t)(i >> 8);
	a[15] = (uint8_t)i;
}

static struct nt_k8s_store *fill_store(long n)
{
	struct nt_k8s_store *s = nt_k8s_store_new(60);

	nt_synth_pods(s, n, 0);
	return s;
}

static double run_with(nt_report_fn encode, void *ctx, struct nt_recorder *rec, long records,
		       long pods, const struct nt_flow_meta *meta)
{
	struct nt_flow_report rep;
	double t0;

	memset(&rep, 0, sizeof(rep));
	rep.key.proto = 6;
	rep.key.ip_version = 4;
	rep.key.port[0] = 43210;
	rep.key.port[1] = 8080;
	rep.pkts[0] = 12;
	rep.pkts[1] = 10;
	rep.bytes[0] = 1500;
	rep.bytes[1] = 9000;
	rep.flow_start_ns = rep.start_ns = 1000000000ull;
	rep.end_ns = 2000000000ull;
	rep.tcp_flags[0] = rep.tcp_flags[1] = 0x1b;
	rep.reason = NT_END_IDLE;
	rep.ifindex[0] = 2;
	rep.meta = meta;
	t0 = cpu_s();
	for (long i = 0; i < records; i++) {
		pod_ip(i % pods, rep.key.addr[0]);
		pod_ip((i * 7919 + 13) % pods, rep.key.addr[1]);
		if (rec->enrich && i % 1000 == 0) { /* a batch: one lock */
			nt_enrich_end(rec->enrich);
			nt_enrich_begin(rec->enrich, 1000000000ull);
		}
		encode(ctx, &rep);
	}
	nt_recorder_flush(rec);
	return cpu_s() - t0;
}

static double run(struct nt_recorder *rec, long records, long pods)
{
	return run_with(nt_record_flow, rec, rec, records, pods, NULL);
}

/* A TLS 1.3 flow as the payload stage leaves it: SNI, JA3, JA4, ALPN. */
static const struct nt_flow_meta *tls_meta(void)
{
	static struct nt_tls_meta t = {
		.client_hello = true,
		.server_hello = true,
		.sni = "api.example.com",
		.ja4 = "t13d1516h2_8daaf6152771_02713d6af862",
		.ja3_md5 = "cd08e31494f9531f560d64c695473da9",
		.client_version = 0x0304,
		.version = 0x0304,
		.cipher = 0x1301,
		.alpn = { "h2", "http/1.1" },
		.n_alpn = 2,
	};
	static struct nt_flow_meta m = { .app = NT_APP_TLS, .tls = &t };

	return &m;
}

/* ECS, OCSF 1.1.0 and OCSF 1.8.0 in turn, rounds times; the best of each. */
static int formats(struct nt_recorder *rec, long records, long pods, int rounds)
{
	static const char *const names[3] = { "ecs", "ocsf-1.1.0", "ocsf-1.8.0" };
	struct nt_ocsf o[2];
	struct nt_encoders alone[2] = { { NULL, &o[0] }, { NULL, &o[1] } }; /* OCSF alone */
	double best[3] = { 1e30, 1e30, 1e30 };

	nt_ocsf_init(&o[0], rec->out, rec, NT_OCSF_1_1_0, 0);
	nt_ocsf_init(&o[1], rec->out, rec, NT_OCSF_1_8_0, 0);
	for (int r = 0; r < rounds; r++) {
		for (int f = 0; f < 3; f++) {
			double t =
				f ? run_with(nt_encoders_flow, &alone[f - 1], rec, records, pods,
					     tls_meta()) :
				    run_with(nt_record_flow, rec, rec, records, pods, tls_meta());

			if (t < best[f])
				best[f] = t;
		}
	}
	for (int f = 0; f < 3; f++)
		printf("{\"case\":\"encode-%s\",\"pods\":%ld,\"records\":%ld,\"rounds\":%d,"
		       "\"ns_per_record\":%.0f,\"ratio_to_ecs\":%.2f}\n",
		       names[f], pods, records, rounds, best[f] * 1e9 / records, best[f] / best[0]);
	nt_ocsf_free(&o[0]);
	nt_ocsf_free(&o[1]);
	return 0;
}

int main(int argc, char **argv)
{
	long pods = 10000, records = 1000000;
	struct nt_sink sink;
	struct nt_recorder rec;
	struct nt_config cfg;
	struct nt_enrich en;
	char err[256];
	double off, on;
	int fmt = 0, rounds = 5;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "0";

		if (!strcmp(argv[i], "--formats"))
			fmt = 1;
		else if (!strcmp(argv[i], "--rounds"))
			rounds = atoi(v), i++;
		else if (!strcmp(argv[i], "--pods"))
			pods = atol(v), i++;
		else if (!strcmp(argv[i], "--records"))
			records = atol(v), i++;
	}
	nt_config_defaults(&cfg);
	if (nt_config_parse(&cfg, 5,
			    (char *[]){ "x", "--cluster-cidr", "10.64.0.0/10", "--service-cidr",
					"10.96.0.0/12", NULL },
			    NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	nt_sink_open_fd(&sink, open("/dev/null", O_WRONLY));
	nt_recorder_init(&rec, nt_sink_output(&sink), "bench-node", "bench");
	rec.ifname = ifname;
	if (fmt) { /* the encoders with enrichment on */
		nt_enrich_init(&en, &cfg);
		en.k8s = nt_k8s_from_store(fill_store(pods));
		rec.enrich = &en;
		nt_enrich_begin(&en, 1000000000ull);
		formats(&rec, records, pods, rounds);
		nt_enrich_end(&en);
		nt_k8s_stop(en.k8s);
		nt_recorder_free(&rec);
		nt_config_free(&cfg);
		return 0;
	}
	off = run(&rec, records, pods);

	nt_enrich_init(&en, &cfg);
	en.k8s = nt_k8s_from_store(fill_store(pods));
	rec.enrich = &en;
	nt_enrich_begin(&en, 1000000000ull);
	on = run(&rec, records, pods);
	nt_enrich_end(&en);
	printf("{\"case\":\"enrich-off\",\"records\":%ld,\"cpu_s\":%.3f,\"records_per_s\":%.0f}\n",
	       records, off, records / off);
	printf("{\"case\":\"enrich-on\",\"pods\":%ld,\"records\":%ld,\"cpu_s\":%.3f,"
	       "\"records_per_s\":%.0f,\"unresolved\":%llu}\n",
	       pods, records, on, records / on, (unsigned long long)en.st.k8s_unresolved);
	nt_k8s_stop(en.k8s);
	nt_recorder_free(&rec);
	nt_config_free(&cfg);
	return 0;
}
