/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * replay.h - offline mode: runs the datapath's own TC program over every
 * packet of a capture with BPF_PROG_TEST_RUN, in capture order. The
 * capture's timestamps (handed in as skb->tstamp) drive flow times and
 * timeouts, so a replay reports what a live run would have.
 */
#ifndef NT_REPLAY_H
#define NT_REPLAY_H

#include <stddef.h>
#include <stdint.h>

struct nt_datapath;
struct nt_collector;
struct nt_recorder;
struct ring_buffer;
struct nt_dns;

struct nt_replay_stats {
	uint64_t packets;	    /* read from the capture */
	uint64_t run_errors;	    /* BPF_PROG_TEST_RUN failures */
	uint64_t skipped;	    /* too short or unsupported */
	uint64_t first_ns, last_ns; /* capture time span */
};

/* Returns 0 at the end of the capture, 1 if interrupted (*stop set), or
 * -1 with a message in err (unreadable/corrupt capture). Flows are reported
 * as they expire; the caller flushes what remains. */
int nt_replay(const char *path, struct nt_datapath *dp, struct nt_collector *col,
	      struct nt_recorder *rec, struct ring_buffer *rb, struct nt_dns *dns,
	      uint64_t scan_interval_ns, volatile int *stop, struct nt_replay_stats *st, char *err,
	      size_t errlen);

#endif
