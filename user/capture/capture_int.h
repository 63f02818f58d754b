/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture_int.h - what the capture manager's files share: a session (one
 * client connection, then one running capture in a slot), the manager.
 *
 *   control.c  the socket: accept, read the request, frame and send
 *   session.c  sessions: start (resolve, check, claim a slot), selections
 *              into the kernel's maps, limits, end (ISB, summary, audit)
 *   packet.c   the capture ring: each packet into the files that want it
 */
#ifndef NT_CAPTURE_INT_H
#define NT_CAPTURE_INT_H

#include <sys/socket.h>
#include <uthash.h>

#include "capture.h"
#include "nettrail.h"
#include "nt_capture.h"
#include "pcapng.h"

#define CAP_MAX_CONN	16	    /* connections (requests and captures) */
#define CAP_MAX_IFS	32	    /* IDBs per file */
#define CAP_MAX_ADDRS	64	    /* addresses a capture selects */
#define CAP_OUT_MAX	(16u << 20) /* unsent bytes before packets are dropped */
#define CAP_REQ_TIMEOUT (5ull * 1000000000ull)
#define CAP_FLOWS_MAX	4096 /* per-flow comment cache entries */

enum cap_state { CAP_FREE, CAP_READING, CAP_RUNNING, CAP_DRAINING };

struct cap_if {
	uint32_t ifindex;
	int ifid;
	uint64_t recv;
};

/* One selected address (a pod's, or a --ip prefix, or a --flow's end). */
struct cap_addr {
	struct nt_cidr c;
	int pod; /* index in pods[], -1 */
};

struct cap_pod {
	char name[320]; /* ns/name */
	char desc[400]; /* IDB if_description */
};

/* Per flow: its EPB comment, once. */
struct cap_flow {
	UT_hash_handle hh;
	struct nt_flow_key key;
	int keep;	      /* --flow: one of the asked Community IDs */
	int pod;	      /* index in pods[] of an end, -1 */
	int has_sel;	      /* an end was selected by address: */
	uint8_t sel_addr[16]; /* that end (the packets' direction) */
	uint8_t proc_tries;   /* looks for the local process left (pid/comm) */
	char comment[400];
};

struct cap_sess {
	enum cap_state state;
	int fd, slot;
	struct ucred peer;
	char *in;
	size_t inlen;
	uint8_t *out;
	size_t olen, ooff, ocap;
	struct nt_capreq req;
	struct nt_pcapng *w;
	struct cap_if ifs[CAP_MAX_IFS];
	int nifs;
	struct cap_filter *filter; /* --filter compiled (filter.c), or NULL */
	uint64_t accepted, deadline, start_unix;
	uint64_t packets, bytes, filtered, slow_drops, drop_base, kdrops;
	struct cap_addr addrs[CAP_MAX_ADDRS];
	int naddrs, nstatic; /* addrs[0..nstatic): --ip and --flow */
	struct cap_pod *pods;
	int npods, cap_pods;
	uint32_t ifindex[NT_CAP_MAX_SEL];
	int nifindex;
	struct cap_flow *flows;
	unsigned nflows;
	const char *end_reason;
};

struct nt_capture {
	struct nt_capture_opts o;
	char *path;
	int lfd, ep;
	struct ring_buffer *rb;
	struct cap_sess conn[CAP_MAX_CONN];
	struct cap_sess *slot[NT_CAP_SLOTS];
	struct nt_capture_stats st;
	uint64_t now;
	int64_t offset;
	uint64_t next_refresh;
	/* what the kernel's maps hold now */
	struct nt_cap_addr_key kaddr[NT_CAP_SLOTS * CAP_MAX_ADDRS];
	uint8_t kaddr_mask[NT_CAP_SLOTS * CAP_MAX_ADDRS];
	int nkaddr;
	uint32_t kif[NT_CAP_SLOTS * NT_CAP_MAX_SEL];
	uint8_t kif_mask[NT_CAP_SLOTS * NT_CAP_MAX_SEL];
	int nkif;
};

/* control.c */
int cap_listen(struct nt_capture *c, char *err, size_t errlen);
void cap_accept(struct nt_capture *c);
int cap_read(struct nt_capture *c, struct cap_sess *s); /* 1: request whole */
int cap_frame(struct cap_sess *s, char type, const void *data, size_t len);
int cap_flush(struct nt_capture *c, struct cap_sess *s); /* -1: client gone */
void cap_conn_free(struct nt_capture *c, struct cap_sess *s);
int cap_pcapng_write(void *ctx, const void *buf, size_t len);

/* session.c */
void cap_start(struct nt_capture *c, struct cap_sess *s);
void cap_end(struct nt_capture *c, struct cap_sess *s, const char *reason);
void cap_refresh(struct nt_capture *c);
void cap_refuse(struct nt_capture *c, struct cap_sess *s, const char *msg);

/* filter.c: --filter with libpcap (kept apart: pcap's struct bpf_insn
 * and the kernel's clash) */
int cap_filter_compile(struct cap_sess *s, char *err, size_t errlen);
int cap_filter_match(const struct cap_sess *s, int l2, const uint8_t *pkt, uint32_t caplen,
		     uint32_t len);
void cap_filter_free(struct cap_sess *s);

/* packet.c */
int cap_on_packet(void *ctx, void *data, size_t len);
void cap_session_free_packets(struct cap_sess *s);

#endif
