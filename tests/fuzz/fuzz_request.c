// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_request.c - libFuzzer target for the capture request parser (the
 * bytes a control socket client sends: user/capture/request.c).
 *
 * Besides the sanitizers, checks what request.h promises of a request the
 * parser accepts: counts within their arrays, strings NUL-terminated,
 * limits in range, a selector; and that its wire form parses back to the
 * same request.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iuser -Iinclude \
 *         tests/fuzz/fuzz_request.c user/capture/request.c -o "$TMPDIR/fz"
 *   "$TMPDIR/fz" -max_total_time=120 "$TMPDIR/fz-corpus" tests/fuzz/corpus/request
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/request.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static void check(const struct nt_capreq *r)
{
	CHECK(r->n_pods <= NT_CAP_MAX_SEL && r->n_sels <= NT_CAP_MAX_SEL &&
	      r->n_ips <= NT_CAP_MAX_SEL && r->n_flows <= NT_CAP_MAX_SEL &&
	      r->n_ifaces <= NT_CAP_MAX_SEL);
	CHECK(r->n_pods + r->n_sels + r->n_ips + r->n_flows + r->n_ifaces > 0);
	CHECK(r->duration >= 1 && r->duration <= NT_CAP_MAX_DURATION);
	CHECK(r->snaplen >= 1 && r->snaplen <= NT_CAP_DEF_SNAPLEN && r->bytes >= 1);
	CHECK(memchr(r->filter, 0, sizeof(r->filter)));
	for (unsigned i = 0; i < r->n_pods; i++)
		CHECK(r->pods[i].ns[0] && r->pods[i].name[0] &&
		      memchr(r->pods[i].name, 0, sizeof(r->pods[i].name)));
	for (unsigned i = 0; i < r->n_ips; i++)
		CHECK(r->ips[i].len <= 128);
	for (unsigned i = 0; i < r->n_flows; i++)
		CHECK(strlen(r->flows[i]) == 30);
	for (unsigned i = 0; i < r->n_sels; i++)
		CHECK(r->sels[i].nlabels >= 1 && r->sels[i].nlabels <= 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nt_capreq r, back;
	static char wire[NT_CAPREQ_MAX];
	char err[256];
	size_t n;

	err[0] = 0;
	switch (nt_capreq_parse(&r, (const char *)data, size, err, sizeof(err))) {
	case -1:
		CHECK(err[0] && !strchr(err, '\n'));
		return 0;
	case 0:
		return 0;
	}
	check(&r);
	n = nt_capreq_format(&r, wire, sizeof(wire));
	if (!n)
		return 0;
	CHECK(nt_capreq_parse(&back, wire, n, err, sizeof(err)) == 1);
	CHECK(memcmp(&r, &back, sizeof(r)) == 0);
	return 0;
}
