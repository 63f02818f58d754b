// SPDX-License-Identifier: BSD-2-Clause
/* dns_tunnel: unique subdomains, suspicious labels, tunnel query types, at their thresholds. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define POD_K8S                                                                   \
	"{\"namespace\":\"shop\",\"pod\":{\"name\":\"web-7d9\",\"uid\":\"u-9\"}," \
	"\"workload\":{\"kind\":\"Deployment\",\"name\":\"web\"}}"

static struct json_object *evidence(struct json_object *a)
{
	return dt_jpath(a, "nettrail.alert.evidence");
}

static const char *ev_at(struct json_object *a, int i)
{
	return json_object_get_string(json_object_array_get_idx(evidence(a), (size_t)i));
}

static long detail(struct json_object *a, const char *k)
{
	char path[128];

	snprintf(path, sizeof(path), "nettrail.alert.dns_tunnel.%s", k);
	return (long)json_object_get_int64(dt_jpath(a, path));
}

static const char *signal(struct json_object *a, int i)
{
	return json_object_get_string(json_object_array_get_idx(
		dt_jpath(a, "nettrail.alert.dns_tunnel.signals"), (size_t)i));
}

/* q<i>.example.net: short, low-entropy labels, one unique subdomain each */
static void plain(struct harness *h, int i, dt_time t)
{
	char name[64], rid[32];

	snprintf(name, sizeof(name), "q%d.example.net", i);
	snprintf(rid, sizeof(rid), "dns-%d", i);
	h_dns(h, &(struct dns_spec){ .qname = name,
				     .registered = "example.net",
				     .t = t,
				     .src_k8s = POD_K8S,
				     .rid = rid });
}

/* RITA: 100 unique subdomains of one registered domain; 99 (and repeats) are not */
Test(dns_tunnel, unique_subdomains_boundary)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	for (int i = 0; i < 99; i++)
		plain(&h, i, T0 + i * DT_SEC);
	plain(&h, 5, T0 + 100 * DT_SEC); /* a repeat: still 99 unique */
	cr_assert_eq(h_alerts(&h, "dns_tunnel", a, 4), 0);
	plain(&h, 99, T0 + 101 * DT_SEC);
	cr_assert_eq(h_alerts(&h, "dns_tunnel", a, 4), 1);
	cr_expect_str_eq(h_str(a[0], "rule.id"), "NTD-0007");
	cr_expect_str_eq(h_str(a[0], "source.ip"), "10.1.0.5");
	cr_expect_str_eq(h_str(a[0], "source.kubernetes.pod.name"), "web-7d9");
	cr_expect_str_eq(h_str(a[0], "destination.domain"), "example.net");
	cr_expect_str_eq(h_str(a[0], "network.protocol"), "dns");
	cr_expect_eq(detail(a[0], "unique_subdomains"), 100);
	cr_expect_eq(detail(a[0], "queries"), 101);
	cr_expect_eq(detail(a[0], "suspicious_subdomains"), 0);
	cr_expect_str_eq(signal(a[0], 0), "unique_subdomains");
	cr_expect_eq(json_object_array_length(evidence(a[0])), 20);
	cr_expect_str_eq(ev_at(a[0], 19), "dns-99");
	cr_expect_str_eq(ev_at(a[0], 18), "dns-5");
	cr_expect_eq(json_object_get_int(dt_jpath(a[0], "nettrail.alert.evidence_count")), 101);
	cr_expect_str_eq(h_str(a[0], "event.start"), "2026-11-23T09:40:00.000000Z");
	cr_expect_str_eq(h_str(a[0], "event.end"), "2026-11-23T09:41:41.000000Z");
	h_put(a, 1);
	/* suppressed for the rest of the day */
	plain(&h, 100, T0 + 102 * DT_SEC);
	cr_expect_eq(h_alerts(&h, "dns_tunnel", a, 4), 1);
	h_put(a, 1);
	h_finish(&h);
	cr_expect_eq(h_counter(&h, "alerts_suppressed"), 1);
	h_free(&h);
}

/* The window is tumbling from the key's first query: 99 in it, the 100th after it is alone */
Test(dns_tunnel, window_and_keys)
{
	struct harness h;
	struct json_object *a[4];

	h_init(&h, NULL);
	h_set(&h, "dns_tunnel.window", "10m");
	for (int i = 0; i < 99; i++)
		plain(&h, i, T0 + i * DT_SEC);
	plain(&h, 99, T0 + 600 * DT_SEC);
	/* another client, and another registered domain: their own counts */
	h_dns(&h, &(struct dns_spec){ .client = "10.1.0.6",
				      .qname = "z.example.net",
				      .registered = "example.net",
				      .t = T0 + 601 * DT_SEC });
	h_dns(&h, &(struct dns_spec){ .qname = "z.example.org",
				      .registered = "example.org",
				      .t = T0 + 602 * DT_SEC });
	cr_expect_eq(h_alerts(&h, "dns_tunnel", a, 4), 0);
	h_free(&h);
}

/* iodine/dnscat2-shaped labels: 20 unique subdomains with a 40-character label
 * (or >= 24 characters at >= 4 bits a character); 39-character labels and
 * low-entropy long names are not */
Test(dns_tunnel, suspicious_labels_boundary)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	struct harness h;
	struct json_object *a[4];
	char name[128], label[64];

	h_init(&h, NULL);
	for (int i = 0; i < 30; i++) { /* 39 characters, a single repeated letter: not suspicious */
		memset(label, 'a' + i % 26, 39);
		label[39] = 0;
		snprintf(name, sizeof(name), "%s.%d.t.example.com", label, i);
		h_dns(&h, &(struct dns_spec){ .qname = name,
					      .registered = "example.com",
					      .t = T0 + i * DT_SEC });
	}
	cr_assert_eq(h_alerts(&h, "dns_tunnel", a, 4), 0);
	for (int i = 0; i < 20; i++) {
		for (int j = 0; j < 40; j++)
			label[j] = b32[(i * 7 + j * 13) % 32];
		label[40] = 0;
		snprintf(name, sizeof(name), "%s.t.tun.example.org", label);
		h_dns(&h, &(struct dns_spec){ .qname = name,
					      .registered = "example.org",
					      .qtype = "A",
					      .t = T0 + (100 + i) * DT_SEC });
		cr_assert_eq(h_alerts(&h, "dns_tunnel", a, 4), i == 19 ? 1 : 0, "after %d", i + 1);
	}
	cr_expect_str_eq(signal(a[0], 0), "suspicious_labels");
	cr_expect_eq(detail(a[0], "suspicious_subdomains"), 20);
	cr_expect_eq(detail(a[0], "max_label_length"), 40);
	cr_expect_eq(detail(a[0], "unique_subdomains"), 20);
	h_put(a, 1);
	h_free(&h);
}

/* Entropy alone: 24-character subdomains of random hex-and-base32 mix count; 23 do not */
Test(dns_tunnel, entropy_boundary)
{
	static const char alpha[] = "0123456789abcdefghijklmnopqrstuv";
	struct harness h;
	struct json_object *a[4];
	char name[128];

	h_init(&h, NULL);
	h_set(&h, "dns_tunnel.suspicious_subdomains", "2");
	for (int len = 23; len <= 24; len++) {
		for (int k = 0; k < 2; k++) {
			for (int j = 0; j < len; j++)
				name[j] = alpha[(j * 5 + k * 11 + len) % 32];
			snprintf(name + len, sizeof(name) - (size_t)len, ".example.io");
			h_dns(&h, &(struct dns_spec){ .qname = name,
						      .registered = "example.io",
						      .t = T0 + (len * 2 + k) * DT_SEC });
		}
		cr_assert_eq(h_alerts(&h, "dns_tunnel", a, 4), len == 24 ? 1 : 0, "len %d", len);
	}
	cr_expect_eq(detail(a[0], "suspicious_subdomains"), 2);
	cr_expect_eq(detail(a[0], "max_label_length"), 24);
	h_put(a, 1);
	h_free(&h);
}

/* TXT/NULL/private types: >= 20 of them and >= half of the key's queries */
Test(dns_tunnel, tunnel_types_boundary)
{
	struct harness h;
	struct json_object *a[4];
	int t = 0;

	h_init(&h, NULL);
	for (int i = 0; i < 21; i++)
		h_dns(&h, &(struct dns_spec){ .qname = "x.example.net",
					      .registered = "example.net",
					      .t = T0 + t++ * DT_SEC });
	for (int i = 0; i < 20; i++) /* 20 of 41: under half */
		h_dns(&h, &(struct dns_spec){ .qname = "x.example.net",
					      .registered = "example.net",
					      .qtype = i % 2 ? "NULL" : "TXT",
					      .t = T0 + t++ * DT_SEC });
	cr_expect_eq(h_alerts(&h, "dns_tunnel", a, 4), 0);
	/* a second client: 20 A then the private type 65399 x19 and NULL once */
	for (int i = 0; i < 40; i++)
		h_dns(&h, &(struct dns_spec){ .client = "10.1.0.9",
					      .qname = "y.example.net",
					      .registered = "example.net",
					      .qtype = i < 20 ? "A" :
						       i < 39 ? "TYPE65399" :
								"NULL",
					      .t = T0 + t++ * DT_SEC });
	cr_assert_eq(h_alerts(&h, "dns_tunnel", a, 4), 1);
	cr_expect_str_eq(h_str(a[0], "source.ip"), "10.1.0.9");
	cr_expect_str_eq(signal(a[0], 0), "tunnel_query_types");
	cr_expect_eq(detail(a[0], "tunnel_type_queries"), 20);
	cr_expect_eq(detail(a[0], "queries"), 40);
	h_put(a, 1);
	/* TYPE65535 is reserved, not private use */
	for (int i = 0; i < 30; i++)
		h_dns(&h, &(struct dns_spec){ .client = "10.1.0.10",
					      .qname = "y.example.net",
					      .registered = "example.net",
					      .qtype = "TYPE65535",
					      .t = T0 + t++ * DT_SEC });
	cr_expect_eq(h_alerts(&h, "dns_tunnel", a, 4), 1);
	h_put(a, 1);
	h_free(&h);
}

/* cluster.local (search-path expansions) is allowed by default; allow_namespaces; records
 * without registered_domain are counted */
Test(dns_tunnel, allow_lists_and_counts)
{
	struct harness h;
	struct json_object *a[4];
	char name[96];

	h_init(&h, NULL);
	h_set(&h, "dns_tunnel.allow_namespaces", "shop");
	for (int i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "svc%d.default.svc.cluster.local", i);
		h_dns(&h, &(struct dns_spec){ .client = "10.1.0.7",
					      .qname = name,
					      .registered = "cluster.local",
					      .t = T0 + i * DT_SEC });
		snprintf(name, sizeof(name), "h%d.example.net", i);
		h_dns(&h, &(struct dns_spec){ .qname = name,
					      .registered = "example.net",
					      .src_k8s = POD_K8S,
					      .t = T0 + i * DT_SEC });
	}
	h_dns(&h, &(struct dns_spec){ .qname = "localhost", .t = T0 + 200 * DT_SEC });
	cr_expect_eq(h_alerts(&h, "dns_tunnel", a, 4), 0);
	h_finish(&h);
	cr_expect_eq(h_counter(&h, "dns_no_registered_domain"), 1);
	cr_expect_eq(h_counter(&h, "dns_records"), 301);
	h_free(&h);
}
