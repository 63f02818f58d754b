// SPDX-License-Identifier: BSD-2-Clause
/* Zeek conn_state derivation: one case per state nettrail produces. */
#include <criterion/criterion.h>
#include "conn_state.h"
#include "nettrail.h"

#define S NT_TCP_SYN
#define A NT_TCP_ACK
#define F NT_TCP_FIN
#define R NT_TCP_RST
#define P NT_TCP_PSH

struct cs_case {
	uint8_t orig, resp;
	int rst_first;
	const char *want;
};

static const struct cs_case cases[] = {
	{ S, 0, 0, "S0" },		   /* unanswered SYN */
	{ S | A | P, S | A | P, 0, "S1" }, /* established, open */
	{ S | A | F, S | A | F, 0, "SF" }, /* normal close */
	{ S | A | P | F, S | A | P | F, 0, "SF" },
	{ S, R | A, 2, "REJ" },		     /* refused */
	{ S | A | F, S | A, 0, "S2" },	     /* only orig closed */
	{ S | A, S | A | F, 0, "S3" },	     /* only resp closed */
	{ S | A | R, S | A, 1, "RSTO" },     /* orig aborted */
	{ S | A, S | A | R, 2, "RSTR" },     /* resp aborted */
	{ S | A | R, S | A | R, 1, "RSTO" }, /* both: first wins */
	{ S | A | R, S | A | R, 2, "RSTR" },
	{ S | A | F | R, S | A | F, 1, "RSTO" }, /* RST after FINs */
	{ S | R, 0, 1, "RSTOS0" },		 /* SYN then RST */
	{ S | F, 0, 0, "SH" },			 /* SYN then FIN */
	{ 0, S | A | R, 2, "RSTRH" },		 /* SYN+ACK then RST */
	{ A, S | A | F, 0, "SHR" },		 /* SYN+ACK then FIN */
	{ A | P, A | P, 0, "OTH" },		 /* midstream */
	{ A | F, A | F, 0, "OTH" },
	{ 0, 0, 0, "OTH" },
};

Test(conn_state, every_state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cs_case *c = &cases[i];

		cr_expect_str_eq(nt_conn_state(c->orig, c->resp, c->rst_first), c->want,
				 "case %zu: orig=%#x resp=%#x rst=%d", i, c->orig, c->resp,
				 c->rst_first);
	}
}
