// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_pcapng.c - the pcapng writer (user/capture/pcapng.c) read back by the
 * oracles: tshark for the frames, their lengths, directions, comments and
 * interfaces; capinfos for the count and the writing application.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapng.h"
#include "tmpdir.h"

static int to_file(void *ctx, const void *buf, size_t len)
{
	return fwrite(buf, 1, len, ctx) == len ? 0 : -1;
}

static char *run(const char *cmd)
{
	static char out[4096];
	FILE *p = popen(cmd, "r");
	size_t n;

	cr_assert_not_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	return out;
}

Test(pcapng, read_back_by_tshark_and_capinfos)
{
	char path[512], cmd[1024];
	uint8_t frame[98] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0, 0, 84 };
	struct nt_pcapng *w;
	FILE *f;
	int fd, a, b;

	nt_test_tmp(path, sizeof(path), "pcapngXXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "wb");
	w = nt_pcapng_open(to_file, f, "nettrail 9.9.9");
	cr_assert_not_null(w);
	a = nt_pcapng_add_interface(w, NT_PCAPNG_LINKTYPE_ETHERNET, 262144, "pweb",
				    "namespace=shop pod=web-0 node=node-1", "icmp");
	b = nt_pcapng_add_interface(w, NT_PCAPNG_LINKTYPE_ETHERNET, 64, "pout", NULL, NULL);
	cr_assert_eq(a, 0);
	cr_assert_eq(b, 1);
	cr_assert_eq(nt_pcapng_packet(w, a, 1700000000123456789ull, frame, sizeof(frame), 98,
				      NT_PCAPNG_DIR_OUTBOUND, "community_id=1:x pod=shop/web-0"),
		     0);
	/* cut to its snaplen, its original length kept (a GSO packet's) */
	cr_assert_eq(nt_pcapng_packet(w, b, 1700000000223456789ull, frame, 64, 65226,
				      NT_PCAPNG_DIR_INBOUND, NULL),
		     0);
	cr_assert_eq(nt_pcapng_stats(w, a, 1700000001000000000ull, 3, 2), 0);
	cr_assert_eq(nt_pcapng_bytes(w), (uint64_t)ftell(f));
	nt_pcapng_close(w);
	fclose(f);

	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -T fields -E separator='|' -e frame.interface_name "
		 "-e frame.interface_description -e frame.len -e frame.cap_len "
		 "-e frame.packet_flags_direction -e frame.comment -e frame.time_epoch 2>/dev/null",
		 path);
	cr_assert_str_eq(run(cmd), "pweb|namespace=shop pod=web-0 node=node-1|98|98|0x00000002|"
				   "community_id=1:x pod=shop/web-0|1700000000.123456789\n"
				   "pout||65226|64|0x00000001||1700000000.223456789\n");
	snprintf(cmd, sizeof(cmd),
		 "capinfos -M %s | grep -E '^(Number of packets|Capture application):' | tr -s ' '",
		 path);
	cr_assert_str_eq(run(cmd), "Number of packets: 2\nCapture application: nettrail 9.9.9\n");
	unlink(path);
}
