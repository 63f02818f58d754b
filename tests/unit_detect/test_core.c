// SPDX-License-Identifier: BSD-2-Clause
/* config, record parsing and malformed lines, the state store and its memory cap, inputs. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

Test(config, defaults)
{
	struct dt_config c;

	dt_config_defaults(&c);
	cr_expect_eq(c.memory_cap_bytes, (size_t)256 << 20);
	cr_expect_eq(c.scan.port_threshold, 15);
	cr_expect_eq(c.scan.port_window_us, 300 * DT_SEC);
	cr_expect_eq(c.scan.addr_threshold_remote, 25);
	cr_expect_eq(c.scan.addr_threshold_local, 250);
	cr_expect_eq(c.longconn.min_duration_us, 3600 * DT_SEC);
	cr_expect_eq(c.beacon.min_connections, 20);
	cr_expect_float_eq(c.beacon.threshold, 0.7, 1e-12);
	cr_expect_eq(c.beacon.window_us, 86400 * DT_SEC);
	cr_expect(dt_strs_has(&c.remote_access.protocols, "vnc"));
	dt_config_free(&c);
}

Test(config, load_file)
{
	struct dt_config c;
	char err[256], path[4096];
	const char *dir = getenv("TMPDIR");
	FILE *f;

	snprintf(path, sizeof(path), "%s/detect-%d.conf", dir ? dir : ".", getpid());
	f = fopen(path, "w");
	cr_assert(f);
	fputs("# tuned\nport_scan.threshold = 20   # more ports\n\n"
	      "port_scan.window = 10m\nremote_access.allow_namespaces = kube-system, ops\n"
	      "beaconing.threshold=0.8\nmemory_cap_mb = 0.5\nscan.allow_sources = 10.0.0.0/8\n",
	      f);
	fclose(f);
	dt_config_defaults(&c);
	cr_assert_eq(dt_config_load(&c, path, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(c.scan.port_threshold, 20);
	cr_expect_eq(c.scan.port_window_us, 600 * DT_SEC);
	cr_expect_eq(c.remote_access.allow_namespaces.n, 2);
	cr_expect_str_eq(c.remote_access.allow_namespaces.v[1], "ops");
	cr_expect_float_eq(c.beacon.threshold, 0.8, 1e-12);
	cr_expect_eq(c.memory_cap_bytes, (size_t)524288);
	cr_expect(dt_cidrs_match(&c.scan.allow_sources, "10.9.8.7"));
	cr_expect_not(dt_cidrs_match(&c.scan.allow_sources, "11.0.0.1"));
	dt_config_free(&c);
	remove(path);
}

Test(config, errors)
{
	struct dt_config c;
	char err[256];

	dt_config_defaults(&c);
	cr_expect_eq(dt_config_set(&c, "no.such", "1", err, sizeof(err)), -1);
	cr_expect(strstr(err, "unknown key"));
	cr_expect_eq(dt_config_set(&c, "port_scan.threshold", "x", err, sizeof(err)), -1);
	cr_expect_eq(dt_config_set(&c, "port_scan.window", "5y", err, sizeof(err)), -1);
	cr_expect_eq(dt_config_set(&c, "scan.allow_sources", "10.0.0.0/33", err, sizeof(err)), -1);
	/* read as /0 (every address allowed) before the shared parser */
	cr_expect_eq(dt_config_set(&c, "scan.allow_sources", "10.0.0.0/abc", err, sizeof(err)), -1);
	cr_expect_eq(dt_config_set(&c, "scan.local_networks", "10.0.0.0/", err, sizeof(err)), -1);
	cr_expect_eq(c.scan.allow_sources.n + c.scan.local_networks.n, 0);
	cr_expect_eq(dt_config_set(&c, "max_evidence", "21", err, sizeof(err)), -1);
	cr_expect_eq(dt_config_set(&c, "beaconing.ts_weight", "0.5", err, sizeof(err)), 0);
	cr_expect_eq(dt_config_check(&c, err, sizeof(err)), -1);
	cr_expect_eq(dt_config_load(&c, "/nonexistent/detect.conf", err, sizeof(err)), -1);
	dt_config_free(&c);
}

Test(config, matching)
{
	struct dt_cidrs l = { .n = 0 };
	struct dt_strs d = { .n = 2, .v = { ".example.com", "exact.org" } };
	int64_t us;

	cr_assert_eq(nt_cidr_parse("fd00:200::/32", NT_CIDR_BARE, &l.v[l.n++]), 0);
	cr_assert_eq(nt_cidr_parse("192.168.1.0/25", NT_CIDR_BARE, &l.v[l.n++]), 0);
	cr_expect(dt_cidrs_match(&l, "fd00:200:1::2"));
	cr_expect_not(dt_cidrs_match(&l, "fd00:201::2"));
	cr_expect(dt_cidrs_match(&l, "192.168.1.127"));
	cr_expect_not(dt_cidrs_match(&l, "192.168.1.128"));
	cr_expect(dt_domain_allowed(&d, "example.com"));
	cr_expect(dt_domain_allowed(&d, "a.b.EXAMPLE.com"));
	cr_expect_not(dt_domain_allowed(&d, "badexample.com"));
	cr_expect(dt_domain_allowed(&d, "exact.org"));
	cr_expect_not(dt_domain_allowed(&d, "sub.exact.org"));
	cr_expect_eq(dt_parse_duration_us("1.5h", &us), 0);
	cr_expect_eq(us, 5400 * DT_SEC);
}

Test(record, times)
{
	dt_time t;
	char buf[28];

	cr_assert_eq(dt_time_parse("2026-11-23T09:40:01.042317Z", &t), 0);
	cr_expect_eq(t, T0 + DT_SEC + 42317);
	dt_time_format(t, buf);
	cr_expect_str_eq(buf, "2026-11-23T09:40:01.042317Z");
	cr_assert_eq(dt_time_parse("2026-11-23T10:40:01.5+01:00", &t), 0);
	cr_expect_eq(t, T0 + DT_SEC + 500000);
	cr_expect_eq(dt_time_parse("2026-11-23 09:40:01Z", &t), -1);
	cr_expect_eq(dt_time_parse("2026-13-23T09:40:01Z", &t), -1);
	cr_expect_eq(dt_time_parse("yesterday", &t), -1);
	dt_time_format(0, buf);
	cr_expect_str_eq(buf, "1970-01-01T00:00:00.000000Z");
}

Test(record, parse_flow)
{
	struct harness h;
	struct flow_spec s = { .src = "fd00::1",
			       .dst = "fd00::2",
			       .dport = 22,
			       .conn_state = "REJ",
			       .protocol = "ssh",
			       .start = T0,
			       .sni = "x.example",
			       .psh = true,
			       .src_k8s = "{\"namespace\":\"a\"}" };
	struct dt_record r;
	char *line;

	h_init(&h, NULL);
	line = h_flow_line(&h, &s);
	cr_assert_eq(dt_record_parse(line, strlen(line), &r), DT_PARSE_OK);
	cr_expect_eq(r.ds, DT_DS_FLOW);
	cr_expect_str_eq(r.src.ip, "fd00::1");
	cr_expect_eq(r.dst.port, 22);
	cr_expect_str_eq(r.conn_state, "REJ");
	cr_expect_str_eq(r.protocol, "ssh");
	cr_expect_str_eq(r.sni, "x.example");
	cr_expect(r.src.psh && r.dst.psh);
	cr_expect_eq(r.flow_start, T0);
	cr_expect_str_eq(r.src.k8s.ns, "a");
	dt_record_free(&r);
	free(line);
	h_free(&h);
}

/* every kind of malformed line is counted by reason and skipped; the good ones still count */
Test(record, malformed_counted)
{
	struct harness h;
	struct flow_spec s = { .src = "10.0.0.1", .dst = "10.0.0.2", .start = T0 };
	char *good;

	h_init(&h, NULL);
	good = h_flow_line(&h, &s);
	h_line(&h, "not json at all");
	h_line(&h, "[1,2,3]");
	h_line(&h, "{\"a\":1} {\"b\":2}");
	h_line(&h, "");
	h_line(&h, "{\"event\":{\"dataset\":\"zeek.conn\"}}");
	h_line(&h, "{\"@timestamp\":\"2026-11-23T09:40:00.000000Z\"}");
	h_line(&h, "{\"event\":{\"dataset\":\"nettrail.dns\"},\"@timestamp\":\"bad\"}");
	h_line(&h, "{\"event\":{\"dataset\":\"nettrail.flow\"},"
		   "\"@timestamp\":\"2026-11-23T09:40:00.000000Z\","
		   "\"observer\":{\"hostname\":\"n\"},\"nettrail\":{\"record_id\":\"x\"}}");
	h_line(&h, good);
	h_line(&h, "{\"event\":{\"dataset\":\"nettrail.heartbeat\"},"
		   "\"@timestamp\":\"2026-11-23T09:40:30.000000Z\","
		   "\"observer\":{\"hostname\":\"n\"},\"nettrail\":{\"record_id\":\"hb\","
		   "\"heartbeat\":{\"interval_s\":30}}}");
	h_finish(&h);
	cr_expect_eq(h_counter(&h, "lines"), 10);
	cr_expect_eq(h_counter(&h, "malformed_not_json"), 3);
	cr_expect_eq(h_counter(&h, "malformed_trailing"), 1);
	cr_expect_eq(h_counter(&h, "malformed_unknown_dataset"), 2);
	cr_expect_eq(h_counter(&h, "malformed_missing_field"), 2);
	cr_expect_eq(h_counter(&h, "flow_records"), 1);
	cr_expect_eq(h_counter(&h, "heartbeat_records"), 1);
	cr_expect(strstr(h.d.last_error, "missing event.start"));
	free(good);
	h_free(&h);
}

Test(state, expiry_and_suppression)
{
	struct dt_store s;

	dt_store_init(&s, 1 << 20);
	dt_store_put(&s, DT_T_SUPPRESS, "k", NULL, 0, T0, T0 + 10 * DT_SEC);
	cr_expect_not_null(dt_store_get(&s, DT_T_SUPPRESS, "k", T0 + 10 * DT_SEC));
	cr_expect_null(dt_store_get(&s, DT_T_PORT_SCAN, "k", T0));
	cr_expect_null(dt_store_get(&s, DT_T_SUPPRESS, "k", T0 + 10 * DT_SEC + 1));
	cr_expect_eq(s.expired, 1);
	cr_expect_eq(s.entries, 0);
	dt_suppress(&s, "port_scan", "a|b", T0, 300 * DT_SEC);
	cr_expect(dt_suppressed(&s, "port_scan", "a|b", T0 + 299 * DT_SEC));
	cr_expect_not(dt_suppressed(&s, "address_scan", "a|b", T0));
	cr_expect_not(dt_suppressed(&s, "port_scan", "a|b", T0 + 301 * DT_SEC));
	/* a full sweep frees what is past its deadline */
	dt_store_put(&s, DT_T_SUPPRESS, "old", NULL, 0, T0, T0);
	dt_store_maintain(&s, T0 + DT_SEC);
	cr_expect_eq(s.entries, 0);
	dt_store_free(&s);
}

Test(state, eviction_counted)
{
	struct dt_store s;
	char key[32];

	dt_store_init(&s, 10000);
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		dt_store_put(&s, i % 2 ? DT_T_BEACON : DT_T_PORT_SCAN, key, malloc(8), 200, T0,
			     T0 + 3600 * DT_SEC);
		dt_store_maintain(&s, T0);
		cr_assert_leq(s.used, s.cap);
	}
	cr_expect_gt(s.evictions, 50);
	cr_expect_eq(s.evictions,
		     s.evictions_by_table[DT_T_BEACON] + s.evictions_by_table[DT_T_PORT_SCAN]);
	cr_expect_eq(s.expired, 0);
	/* the least recently updated go first: the newest key survives */
	cr_expect_not_null(dt_store_get(&s, DT_T_BEACON, "k99", T0));
	cr_expect_null(dt_store_get(&s, DT_T_PORT_SCAN, "k0", T0));
	dt_store_free(&s);
}

Test(state, evidence_ring)
{
	struct dt_evidence ev = { .n = 0 };
	char id[16];

	for (int i = 1; i <= 25; i++) {
		snprintf(id, sizeof(id), "r%d", i);
		dt_evidence_add(&ev, id);
	}
	cr_expect_eq(ev.n, 20);
	cr_expect_eq(ev.total, 25);
	cr_expect_str_eq(dt_evidence_at(&ev, 0), "r6");
	cr_expect_str_eq(dt_evidence_at(&ev, 19), "r25");
	dt_evidence_clear(&ev);
}

/* a 64 KiB cap under 2000 scanners: the state stays under it and every eviction counts */
Test(state, detector_memory_cap)
{
	struct harness h;

	h_init(&h, NULL);
	h_set(&h, "memory_cap_mb", "0.0625");
	for (int i = 0; i < 2000; i++) {
		char src[32];
		struct flow_spec s = {
			.src = src, .dst = "10.9.0.1", .conn_state = "S0", .start = T0 + i * 1000
		};

		snprintf(src, sizeof(src), "10.8.%d.%d", i / 250, i % 250);
		h_flow(&h, &s);
		cr_assert_leq(h.d.store.used, h.d.store.cap);
	}
	h_finish(&h);
	cr_expect_gt(h_counter(&h, "state_evictions"), 1000);
	cr_expect_eq(h_counter(&h, "state_evictions"),
		     h_counter(&h, "state_evictions_port_scan") +
			     h_counter(&h, "state_evictions_address_scan") +
			     h_counter(&h, "state_evictions_beaconing") +
			     h_counter(&h, "state_evictions_suppression"));
	h_free(&h);
}

Test(input, file_and_mem)
{
	char err[256];
	const char *line;
	size_t len;
	struct dt_input *in = dt_input_mem_open("a\n\nbc\r\n");

	cr_assert(in);
	cr_expect_eq(in->next(in, &line, &len), 1);
	cr_expect_eq(len, 1);
	cr_expect_eq(in->next(in, &line, &len), 1);
	cr_expect_eq(len, 0);
	cr_expect_eq(in->next(in, &line, &len), 1);
	cr_expect_eq(len, 3); /* the mem source keeps \r; the file source strips it */
	cr_expect_eq(in->next(in, &line, &len), 0);
	in->close(in);
	cr_expect_null(dt_input_open("kafka:broker/topic", err, sizeof(err)));
	cr_expect(strstr(err, "unknown input"));
	cr_expect_null(dt_input_open("file:/nonexistent/x.jsonl", err, sizeof(err)));
}

/* detect/nettrail-detect.conf documents every key with its default: loading it changes nothing */
Test(config, example_file_is_the_defaults)
{
	struct dt_config def, c;
	char err[256];

	dt_config_defaults(&def);
	dt_config_defaults(&c);
	cr_assert_eq(dt_config_load(&c, "detect/nettrail-detect.conf", err, sizeof(err)), 0, "%s",
		     err);
	cr_expect_eq(c.memory_cap_bytes, def.memory_cap_bytes);
	cr_expect_eq(memcmp(&c.scan.port_threshold, &def.scan.port_threshold,
			    offsetof(struct dt_scan_cfg, allow_sources)),
		     0);
	cr_expect_eq(c.scan.allow_sources.n + c.scan.allow_namespaces.n + c.scan.local_networks.n,
		     0);
	cr_expect_eq(c.remote_access.protocols.n, 3);
	cr_expect_eq(c.remote_access.include_nodes, def.remote_access.include_nodes);
	cr_expect_eq(c.remote_access.suppress_us, def.remote_access.suppress_us);
	cr_expect_eq(c.crypto.suppress_us, def.crypto.suppress_us);
	cr_expect_eq(c.longconn.min_duration_us, def.longconn.min_duration_us);
	cr_expect_eq(c.longconn.suppress_us, def.longconn.suppress_us);
	cr_expect_str_eq(c.longconn.directions.v[0], "outbound");
	cr_expect_eq(c.beacon.min_connections, def.beacon.min_connections);
	cr_expect_float_eq(c.beacon.threshold, def.beacon.threshold, 1e-12);
	cr_expect_eq(c.beacon.window_us, def.beacon.window_us);
	cr_expect_eq(c.beacon.suppress_us, def.beacon.suppress_us);
	cr_expect_eq(c.beacon.eval_interval_us, def.beacon.eval_interval_us);
	cr_expect_eq(c.beacon.max_connections, def.beacon.max_connections);
	cr_expect_float_eq(c.beacon.hist_mode_sensitivity, def.beacon.hist_mode_sensitivity, 1e-12);
	cr_expect_eq(c.beacon.hist_bimodal_min_hours, def.beacon.hist_bimodal_min_hours);
	cr_expect_eq(c.beacon.hist_bins, def.beacon.hist_bins);
	cr_expect_eq(c.beacon.dur_min_hours, def.beacon.dur_min_hours);
	cr_expect_eq(c.beacon.dur_ideal_hours, def.beacon.dur_ideal_hours);
	cr_expect_eq(c.dns_tunnel.unique_subdomains, 100);
	cr_expect_eq(memcmp(&c.dns_tunnel.unique_subdomains, &def.dns_tunnel.unique_subdomains,
			    offsetof(struct dt_dns_tunnel_cfg, tunnel_types)),
		     0);
	cr_expect_eq(c.dns_tunnel.tunnel_types.n, 3);
	cr_expect_eq(c.dns_tunnel.tunnel_type_min, def.dns_tunnel.tunnel_type_min);
	cr_expect_float_eq(c.dns_tunnel.tunnel_type_ratio, def.dns_tunnel.tunnel_type_ratio, 1e-12);
	cr_expect_eq(c.dns_tunnel.max_subdomains, def.dns_tunnel.max_subdomains);
	cr_expect_eq(c.dns_tunnel.window_us, def.dns_tunnel.window_us);
	cr_expect_eq(c.dns_tunnel.suppress_us, def.dns_tunnel.suppress_us);
	cr_expect_eq(c.dns_tunnel.allow_domains.n, 3);
	cr_expect_eq(memcmp(&c.newdest, &def.newdest, offsetof(struct dt_newdest_cfg, directions)),
		     0);
	cr_expect_str_eq(c.newdest.directions.v[0], "outbound");
	cr_expect_eq(c.newdest.include_nodes, def.newdest.include_nodes);
	cr_expect_eq(memcmp(&c.egress, &def.egress, offsetof(struct dt_egress_cfg, directions)), 0);
	cr_expect_eq(c.egress.suppress_us, def.egress.suppress_us);
	cr_expect_eq(c.blind.missed_intervals, def.blind.missed_intervals);
	cr_expect_eq(c.blind.loss_counters.n, def.blind.loss_counters.n);
	for (int i = 0; i < def.blind.loss_counters.n; i++)
		cr_expect_str_eq(c.blind.loss_counters.v[i], def.blind.loss_counters.v[i]);
	cr_expect_eq(c.blind.ephemeral_interfaces.n, def.blind.ephemeral_interfaces.n);
	cr_expect_eq(c.blind.idle_intervals, def.blind.idle_intervals);
	cr_expect_eq(c.blind.max_nodes, def.blind.max_nodes);
	cr_expect_eq(c.blind.suppress_us, def.blind.suppress_us);
	cr_expect_eq(dt_config_check(&c, err, sizeof(err)), 0);
	dt_config_free(&c);
	dt_config_free(&def);
}

/* every key the detector knows is documented in the example file and docs/detections.md */
Test(config, every_key_documented)
{
	FILE *f;
	char *conf = NULL, *doc = NULL;
	size_t n = 0, m = 0;

	f = fopen("detect/nettrail-detect.conf", "r");
	cr_assert(f);
	cr_assert_gt(getdelim(&conf, &n, 0, f), 0);
	fclose(f);
	f = fopen("docs/detections.md", "r");
	cr_assert(f);
	cr_assert_gt(getdelim(&doc, &m, 0, f), 0);
	fclose(f);
	for (size_t i = 0; dt_config_key(i); i++) {
		char line[128], cell[128];

		snprintf(line, sizeof(line), "\n%s =", dt_config_key(i));
		snprintf(cell, sizeof(cell), "`%s`", dt_config_key(i));
		cr_expect(strstr(conf, line), "%s not in nettrail-detect.conf", dt_config_key(i));
		cr_expect(strstr(doc, cell), "%s not in docs/detections.md", dt_config_key(i));
	}
	free(conf);
	free(doc);
}
