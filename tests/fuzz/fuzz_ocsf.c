// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_ocsf.c - libFuzzer target for the OCSF encoder's DNS records: the
 * input is parsed as a DNS message (the same parser the sensor uses), made
 * a transaction (answered, unanswered or answer-only by the first byte)
 * and encoded at OCSF 1.1.0 and 1.8.0. Besides the sanitizers it checks
 * that every record is one line of valid JSON (json-c), that type_uid is
 * class_uid * 100 + activity_id, and that at 1.1.0 query.hostname is an
 * host name as OCSF 1.1.0's hostname type takes it, while the
 * exact name, when it is not one, is in unmapped.query.hostname.
 *
 * Built by tests/suites/fuzz.sh with every object but main (the encoder
 * reaches the enrichment and DNS stages); seeds: the DNS corpus.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_msg.h"
#include "ocsf.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static char line[1 << 16];
static size_t line_len;

static int emit(void *ctx, const struct nt_rec_out *r)
{
	CHECK(r->len < sizeof(line) && !memchr(r->data, '\n', r->len));
	memcpy(line, r->data, r->len);
	line[r->len] = 0;
	line_len = r->len;
	return 0;
}

static const char *ifname(void *ctx, uint32_t i)
{
	return "eth0";
}

/* OCSF 1.1.0's hostname pattern: labels of letters, digits and '-', not
 * empty, not starting or ending in '-' (no length limit; ours cuts at 253) */
static int rfc1123(const char *h)
{
	size_t n = strlen(h), label = 0;

	if (!n || n > 253)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		char c = h[i];

		if (c == '.' || !c) {
			if (!label || h[i - 1] == '-' || h[i - label] == '-')
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-') {
			label++;
		} else {
			return 0;
		}
	}
	return 1;
}

static json_object *at(json_object *o, const char *a, const char *b)
{
	json_object *x = NULL, *y = NULL;

	if (!json_object_object_get_ex(o, a, &x))
		return NULL;
	if (!b)
		return x;
	return json_object_object_get_ex(x, b, &y) ? y : NULL;
}

static void check(enum nt_ocsf_version v, const struct nt_dns_txn *t)
{
	json_object *o = json_tokener_parse(line), *h, *exact;
	int64_t cls, act;

	CHECK(o && line_len);
	cls = json_object_get_int64(at(o, "class_uid", NULL));
	act = json_object_get_int64(at(o, "activity_id", NULL));
	CHECK(cls == 4003 && json_object_get_int64(at(o, "type_uid", NULL)) == cls * 100 + act);
	h = at(o, "query", "hostname");
	CHECK(h && json_object_get_type(h) == json_type_string);
	exact = json_object_object_get_ex(o, "unmapped", &exact) ? at(exact, "query", "hostname") :
								   NULL;
	if (v == NT_OCSF_1_1_0) {
		CHECK(rfc1123(json_object_get_string(h)));
		if (!exact)
			CHECK(!strcmp(json_object_get_string(h), t->qname));
		else
			CHECK(!strcmp(json_object_get_string(exact), t->qname[0] ? t->qname : "."));
	} else {
		CHECK(!exact);
		CHECK(!strcmp(json_object_get_string(h), t->qname[0] ? t->qname : "."));
	}
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_msg m;
	static struct nt_recorder rec;
	static int ready;
	struct nt_output out = { .emit = emit, .ctx = NULL };
	struct nt_dns_txn t;

	if (!ready) {
		nt_recorder_init(&rec, out, "node-a", "lab");
		rec.ifname = ifname;
		ready = 1;
	}
	if (size < 1 || dns_parse(data + 1, size - 1, &m) != DNS_OK)
		return 0;
	memset(&t, 0, sizeof(t));
	t.key.ip_version = 4;
	t.key.proto = 17;
	t.key.addr[0][10] = t.key.addr[0][11] = t.key.addr[1][10] = t.key.addr[1][11] = 0xff;
	t.key.addr[0][12] = 10, t.key.addr[1][12] = 10, t.key.addr[1][15] = 53;
	t.key.port[0] = 40000, t.key.port[1] = 53;
	t.has_query = data[0] % 3 != 2;
	t.has_answer = data[0] % 3 != 1;
	t.query_ns = 1000000000ull;
	t.answer_ns = t.query_ns + data[0] * 1000000ull;
	t.id = m.id;
	t.qtype = m.qtype;
	t.qclass = m.qclass;
	t.q_opcode = m.opcode;
	memcpy(t.qname, m.qname, sizeof(t.qname));
	t.answer = &m;
	for (enum nt_ocsf_version v = NT_OCSF_1_1_0; v <= NT_OCSF_1_8_0; v++) {
		struct nt_ocsf o;

		nt_ocsf_init(&o, out, &rec, v, 0);
		nt_encoders_dns(&(struct nt_encoders){ .ocsf = &o }, &t);
		check(v, &t);
		nt_ocsf_free(&o);
	}
	return 0;
}
