// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * k8s_client_driver - drives user/k8s.c for tests/suites/k8s_client.sh.
 *
 *   k8s_client_driver client --api URL --ca FILE --token FILE [--grace S] [--idle S] [--watch-timeout S]
 *                            [--timeout S] [--forbidden-retry S]
 *   k8s_client_driver client --kubeconfig FILE [the same options but --api --ca --token]
 *       then one command per line on stdin, one answer line each on stdout:
 *       sync SECS                 -> "synced MS" (time since start) | "timeout"
 *       lookup IP                 -> "IP none" | "IP pod|service|node JSON"
 *       expect SECS IP ANSWER...  -> "ok" once `lookup IP` says "IP ANSWER...", or "mismatch: LAST"
 *       uid UID                   -> "UID none" | "UID JSON"
 *       stats                     -> "lists=N watches=N ... synced=N forbidden=N forbidden_resources=a,b|-"
 *       waitstat SECS NAME OP N   -> "ok" once stat NAME OP N (OP: == >= <=), or "fail NAME=V"
 *       quit                      -> "stopped MS" (how long nt_k8s_stop took)
 *   k8s_client_driver mem N       -> memory of N synthetic pods in the identity store
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "k8s.h"
#include "k8s_ident.h"
#include "synth_pods.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *kind_name(int k)
{
	return k == NT_K8S_POD	   ? "pod" :
	       k == NT_K8S_SERVICE ? "service" :
	       k == NT_K8S_NODE	   ? "node" :
				     "?";
}

static void lookup(struct nt_k8s *k, const char *ip, char *out, size_t n)
{
	uint8_t a[16];
	const struct nt_k8s_endpoint *e;

	if (nt_k8s_parse_ip(ip, a)) {
		snprintf(out, n, "%s bad-address", ip);
		return;
	}
	nt_k8s_read_lock(k);
	e = nt_k8s_lookup(k, a, now_ms() / 1000);
	if (e)
		snprintf(out, n, "%s %s %.*s", ip, kind_name(e->kind), (int)e->json_len, e->json);
	else
		snprintf(out, n, "%s none", ip);
	nt_k8s_read_unlock(k);
}

static int stat_get(const struct nt_k8s_stats *s, const char *name, uint64_t *v)
{
#define F(x)                                 \
	do {                                 \
		if (!strcmp(name, #x)) {     \
			*v = (uint64_t)s->x; \
			return 0;            \
		}                            \
	} while (0)
	F(lists);
	F(watches);
	F(watch_events);
	F(relists_410);
	F(reconnects);
	F(auth_errors);
	F(errors);
	F(pods);
	F(services);
	F(nodes);
	F(ip_entries);
	F(synced);
	F(forbidden);
	F(forbidden_mask);
#undef F
	return -1;
}

/* the loader's temp files (certificate-authority-data, inline token) go with the driver */
static void drop_temps(const struct nt_k8s_opts *o)
{
	nt_k8s_opts_drop_temps(o);
}

static void parse_client_opts(int argc, char **argv, struct nt_k8s_opts *o, const char **kubeconfig)
{
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--api"))
			o->api_url = argv[i + 1];
		else if (!strcmp(argv[i], "--ca"))
			o->ca_file = argv[i + 1];
		else if (!strcmp(argv[i], "--token"))
			o->token_file = argv[i + 1];
		else if (!strcmp(argv[i], "--grace"))
			o->delete_grace_s = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--idle"))
			o->watch_idle_s = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--watch-timeout"))
			o->watch_timeout_s = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--timeout"))
			o->timeout_s = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--forbidden-retry"))
			o->forbidden_retry_s = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--kubeconfig"))
			*kubeconfig = argv[i + 1];
	}
}

/* sync SECS */
static void cmd_sync(struct nt_k8s *k, const char *secs, uint64_t t0)
{
	uint64_t end = now_ms() + (uint64_t)atoi(secs) * 1000;
	struct nt_k8s_stats s;

	for (;;) {
		nt_k8s_stats(k, &s);
		if (s.synced || now_ms() >= end)
			break;
		usleep(10000);
	}
	if (s.synced)
		printf("synced %llu\n", (unsigned long long)(now_ms() - t0));
	else
		printf("timeout\n");
}

/* expect SECS IP ANSWER... (want: the ANSWER... part of the line) */
static void cmd_expect(struct nt_k8s *k, const char *secs, const char *ip, const char *want)
{
	uint64_t end = now_ms() + (uint64_t)(atof(secs) * 1000);
	char full[8192], out[16384];

	snprintf(full, sizeof(full), "%s %s", ip, want);
	for (;;) {
		lookup(k, ip, out, sizeof(out));
		if (!strcmp(out, full) || now_ms() >= end)
			break;
		usleep(20000);
	}
	if (!strcmp(out, full))
		printf("ok\n");
	else
		printf("mismatch: %s\n", out);
}

/* uid UID */
static void cmd_uid(struct nt_k8s *k, const char *uid)
{
	const struct nt_k8s_endpoint *e;

	nt_k8s_read_lock(k);
	e = nt_k8s_pod_by_uid(k, uid);
	if (e)
		printf("%s %.*s\n", uid, (int)e->json_len, e->json);
	else
		printf("%s none\n", uid);
	nt_k8s_read_unlock(k);
}

/* stats */
static void cmd_stats(struct nt_k8s *k)
{
	struct nt_k8s_stats s;
	char names[256] = "";

	nt_k8s_stats(k, &s);
	for (int r = 0; r < NT_K8S_R_COUNT; r++)
		if (s.forbidden_mask & (1u << r))
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 *names ? "," : "", nt_k8s_res_name((enum nt_k8s_res)r));
	printf("lists=%llu watches=%llu watch_events=%llu relists_410=%llu reconnects=%llu "
	       "auth_errors=%llu errors=%llu pods=%llu services=%llu nodes=%llu ip_entries=%llu synced=%d "
	       "forbidden=%llu forbidden_resources=%s\n",
	       (unsigned long long)s.lists, (unsigned long long)s.watches,
	       (unsigned long long)s.watch_events, (unsigned long long)s.relists_410,
	       (unsigned long long)s.reconnects, (unsigned long long)s.auth_errors,
	       (unsigned long long)s.errors, (unsigned long long)s.pods,
	       (unsigned long long)s.services, (unsigned long long)s.nodes,
	       (unsigned long long)s.ip_entries, s.synced, (unsigned long long)s.forbidden,
	       *names ? names : "-");
}

/* waitstat SECS NAME OP N (line: the whole command line) */
static void cmd_waitstat(struct nt_k8s *k, const char *line)
{
	char cmd[32] = "", a1[256] = "", a2[256] = "", a3[64] = "", a4[64] = "";
	uint64_t end, v = 0, want;
	struct nt_k8s_stats s;
	int okv = 0;

	sscanf(line, "%31s %255s %255s %63s %63s", cmd, a1, a2, a3, a4);
	end = now_ms() + (uint64_t)(atof(a1) * 1000);
	want = strtoull(a4, NULL, 10);
	for (;;) {
		nt_k8s_stats(k, &s);
		if (stat_get(&s, a2, &v)) {
			printf("fail unknown stat %s\n", a2);
			break;
		}
		okv = !strcmp(a3, "==") ? v == want : !strcmp(a3, ">=") ? v >= want : v <= want;
		if (okv || now_ms() >= end) {
			if (okv)
				printf("ok\n");
			else
				printf("fail %s=%llu\n", a2, (unsigned long long)v);
			break;
		}
		usleep(20000);
	}
}

static int client(int argc, char **argv)
{
	struct nt_k8s_opts o = { 0 };
	char err[512], line[8192], out[16384], kbuf[8192];
	const char *kubeconfig = NULL;
	struct nt_k8s *k;
	uint64_t t0;

	parse_client_opts(argc, argv, &o, &kubeconfig);
	setvbuf(stdout, NULL, _IOLBF, 0);
	t0 = now_ms();
	if (kubeconfig &&
	    nt_k8s_load_kubeconfig(kubeconfig, &o, kbuf, sizeof(kbuf), err, sizeof(err))) {
		printf("error %s\n", err);
		return 1;
	}
	k = nt_k8s_start(&o, err, sizeof(err));
	if (!k) {
		printf("error %s\n", err);
		drop_temps(&o);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char cmd[32] = "", a1[256] = "", a2[256] = "";
		int rest = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%31s %255s %255s %n", cmd, a1, a2, &rest) < 1)
			continue;
		if (!strcmp(cmd, "sync")) {
			cmd_sync(k, a1, t0);
		} else if (!strcmp(cmd, "lookup")) {
			lookup(k, a1, out, sizeof(out));
			puts(out);
		} else if (!strcmp(cmd, "expect")) {
			cmd_expect(k, a1, a2, rest ? line + rest : "");
		} else if (!strcmp(cmd, "uid")) {
			cmd_uid(k, a1);
		} else if (!strcmp(cmd, "stats")) {
			cmd_stats(k);
		} else if (!strcmp(cmd, "waitstat")) {
			cmd_waitstat(k, line);
		} else if (!strcmp(cmd, "quit")) {
			uint64_t t = now_ms();

			nt_k8s_stop(k);
			printf("stopped %llu\n", (unsigned long long)(now_ms() - t));
			drop_temps(&o);
			return 0;
		} else {
			printf("unknown command %s\n", cmd);
		}
	}
	nt_k8s_stop(k);
	drop_temps(&o);
	return 0;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char l[256];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(l, sizeof(l), f))
		if (!strncmp(l, "VmRSS:", 6))
			v = atol(l + 6);
	fclose(f);
	return v;
}

/* N pods shaped like a Deployment's (labels, owner, node, SA, dual-stack IPs),
 * in 100 namespaces with one ReplicaSet and one Service each */
static int mem(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 10000;
	struct nt_k8s_store *s;
	struct mallinfo2 a, b;
	long r0, r1;
	uint64_t t0;

	malloc_trim(0);
	a = mallinfo2();
	r0 = rss_kb();
	t0 = now_ms();
	s = nt_k8s_store_new(60);
	nt_synth_pods(s, n, 1);
	uint64_t t1 = now_ms();
	b = mallinfo2();
	r1 = rss_kb();

	struct nt_k8s_store_counts c;

	nt_k8s_store_counts(s, &c);
	const struct nt_k8s_endpoint *e = nt_k8s_store_lookup_str(s, "10.64.0.5", 1);

	printf("pods=%llu ip_entries=%llu heap_bytes=%zu bytes_per_pod=%zu rss_kb_delta=%ld ingest_ms=%llu\n",
	       (unsigned long long)c.pods, (unsigned long long)c.ip_entries,
	       b.uordblks - a.uordblks, n ? (b.uordblks - a.uordblks) / (size_t)n : 0, r1 - r0,
	       (unsigned long long)(t1 - t0));
	if (e)
		printf("sample %.*s\n", (int)e->json_len, e->json);
	nt_k8s_store_free(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "client"))
		return client(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "mem"))
		return mem(argc, argv);
	fprintf(stderr, "usage: %s client --api URL --ca FILE --token FILE ... | mem N\n", argv[0]);
	return 2;
}
