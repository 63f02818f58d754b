/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * request.h - a capture request (what `nettrail capture` asks the sensor
 * for) and its wire form on the control socket, both directions:
 *
 *   request  (client -> sensor): text lines "KEY VALUE\n" after the line
 *            "NETTRAIL-CAPTURE 1", ended by the line "end"; at most
 *            NT_CAPREQ_MAX bytes. Keys: pod, selector, ip, flow, interface
 *            (repeatable), filter, duration, packets, bytes, snaplen.
 *   answer   (sensor -> client): frames of a type byte and a 32-bit
 *            big-endian length, then that many bytes: 'D' pcapng data,
 *            then exactly one 'S' (summary: "packets=N bytes=N dropped=N
 *            reason=R") or 'E' (a one-line error), and the socket closes.
 *
 * The parser reads untrusted bytes (tests/fuzz/fuzz_capreq.c): every field
 * is checked for syntax and range here, before anything is resolved.
 */
#ifndef NT_CAPTURE_REQUEST_H
#define NT_CAPTURE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "cidr.h"

#define NT_CAPREQ_MAX	    16384
#define NT_CAPREQ_MAGIC	    "NETTRAIL-CAPTURE 1"
#define NT_CAP_MAX_SEL	    8
#define NT_CAP_DEF_DURATION 60
#define NT_CAP_MAX_DURATION 3600
#define NT_CAP_DEF_SNAPLEN  262144
#define NT_CAP_DEF_BYTES    (100ull * 1000 * 1000)
#define NT_CAP_FILTER_MAX   1024

struct nt_capreq_pod {
	char ns[64];
	char name[254];
};

struct nt_capreq_selector {
	char ns[64];
	uint16_t nlabels;
	char labels[8][2][64]; /* key, value */
};

struct nt_capreq {
	struct nt_capreq_pod pods[NT_CAP_MAX_SEL];
	struct nt_capreq_selector sels[NT_CAP_MAX_SEL];
	struct nt_cidr ips[NT_CAP_MAX_SEL]; /* host bits cleared (cidr.h) */
	char flows[NT_CAP_MAX_SEL][32];	    /* Community IDs "1:<base64>" */
	char ifaces[NT_CAP_MAX_SEL][16];
	unsigned n_pods, n_sels, n_ips, n_flows, n_ifaces;
	char filter[NT_CAP_FILTER_MAX]; /* pcap-filter, "" for none */
	uint32_t duration;		/* s, 1..3600 */
	uint64_t packets;		/* 0: no limit */
	uint64_t bytes;			/* captured bytes (caplen sum) */
	uint32_t snaplen;		/* 1..262144 */
};

/* The defaults: no selector, duration 60, 100 MB, snaplen 262144. */
void nt_capreq_init(struct nt_capreq *r);

/* One selector or option, as the client's flags and the wire's keys name
 * them ("pod", "ip"...). Returns 0, or -1 with a one-line reason. */
int nt_capreq_set(struct nt_capreq *r, const char *key, const char *val, char *err, size_t errlen);

/*
 * Parses a whole request (len bytes, not NUL-terminated). Returns 1 when
 * complete and valid, 0 when more bytes are needed (no "end" line yet),
 * -1 with a one-line reason in err.
 */
int nt_capreq_parse(struct nt_capreq *r, const char *buf, size_t len, char *err, size_t errlen);

/* The request's wire form into out (NUL-terminated); its length, or 0
 * when out is too small. */
size_t nt_capreq_format(const struct nt_capreq *r, char *out, size_t outlen);

/* A frame header: type, then len in big-endian order. */
void nt_capframe_head(uint8_t out[5], char type, uint32_t len);

#endif
