// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench/syn_driver.bpf.c - makes every run of BPF_PROG_TEST_RUN's repeat
 * loop a new packet of a SYN flood, then tail-calls the program under test
 * (target[0]: nettrail's tc_ingress, or tc_empty for the baseline), so
 * bench_datapath can time the flood's packets back to back, warm, as the
 * established cases are timed, instead of one packet per syscall.
 *
 * The frame is bench_datapath's 54-byte TCP/IPv4 one. Each run rewrites its
 * addresses, ports and flags (two bpf_skb_store_bytes; their cost is in
 * the baseline too, so it cancels out):
 *   drive_pairs  run 2k: flow k's SYN, 10.a.b.c:40000 -> 10.0.0.2:443;
 *                run 2k+1: its refusing RST+ACK, back
 *   drive_syns   run k: flow k's SYN, never answered
 * Checksums are left as they are: the programs do not read them.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

__u32 seq; /* runs so far (one CPU runs the loop) */

struct hdr {
	__u32 saddr, daddr; /* network order */
	__u16 sport, dport;
};

static __always_inline int run(struct __sk_buff *skb, __u32 k, int answer)
{
	__u32 cli = bpf_htonl(0x0a000000 | ((1 + (k >> 16)) << 16) | (k & 0xffff));
	__u32 srv = bpf_htonl(0x0a000002);
	struct hdr h = { cli, srv, bpf_htons(40000), bpf_htons(443) };
	__u8 flags = 0x02;

	if (answer) {
		h = (struct hdr){ srv, cli, bpf_htons(443), bpf_htons(40000) };
		flags = 0x14;
	}
	bpf_skb_store_bytes(skb, 26, &h, sizeof(h), 0);
	bpf_skb_store_bytes(skb, 47, &flags, 1, 0);
	bpf_tail_call(skb, &target, 0);
	return -1;
}

SEC("tc")
int drive_pairs(struct __sk_buff *skb)
{
	__u32 i = seq++;

	return run(skb, i >> 1, i & 1);
}

SEC("tc")
int drive_syns(struct __sk_buff *skb)
{
	return run(skb, seq++, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
