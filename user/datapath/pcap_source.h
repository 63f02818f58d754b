/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pcap_source.h - read a pcap or pcapng capture and hand out every packet as
 * an Ethernet frame, whatever link type the capture was taken on.
 *
 * nettrail's offline mode (`nettrail --pcap FILE`) runs the TC programs over
 * each packet with BPF_PROG_TEST_RUN, and those programs parse an Ethernet
 * header first. This reader rewrites the link layer of the supported link
 * types into a synthetic 14-byte Ethernet header (both MACs zero, the
 * EtherType of the network-layer payload) followed by the untouched
 * network-layer bytes:
 *
 *   DLT_EN10MB                  passed through unchanged (no copy)
 *   DLT_LINUX_SLL (cooked v1)   16-byte header dropped, protocol kept
 *   DLT_LINUX_SLL2 (cooked v2)  20-byte header dropped, protocol kept
 *   DLT_RAW (12, 14, 101)       IP version nibble picks 0x0800 / 0x86dd
 *   LINKTYPE_IPV4 / _IPV6       same as DLT_RAW
 *   DLT_NULL, DLT_LOOP          4-byte address family, either byte order:
 *                               2 -> IPv4; 24, 28, 30 (BSD AF_INET6) -> IPv6
 *
 * Packets that cannot be normalized are skipped and counted, never fatal:
 * shorter than their link header (skipped_short), or carrying something
 * that has no EtherType (skipped_linktype: a cooked protocol below 0x0600
 * such as 802.2 LLC or CAN, a netlink cooked capture, an unknown address
 * family, an IP version other than 4 or 6).
 *
 * All functions are single-threaded per source; distinct sources are
 * independent. Every error is reported as one line of text, without a
 * trailing newline, truncated to the caller's buffer.
 */
#ifndef NETTRAIL_PCAP_SOURCE_H
#define NETTRAIL_PCAP_SOURCE_H

#include <stddef.h>
#include <stdint.h>

/* Length of the synthetic Ethernet header put in front of non-Ethernet packets. */
#define PCAP_SOURCE_ETH_HLEN 14

struct pcap_pkt {
	uint64_t ts_ns;	      /* capture timestamp, ns since the Unix epoch */
	const uint8_t *frame; /* Ethernet frame (normalized), valid until the next call */
	uint32_t len;	      /* bytes in frame */
	uint32_t wire_len;    /* length on the wire, normalized the same way (+/- header delta) */
};

struct pcap_source_stats {
	uint64_t packets;	   /* packets handed out by pcap_source_next() */
	uint64_t skipped_linktype; /* records whose payload has no EtherType */
	uint64_t skipped_short;	   /* records shorter than their link header */
};

struct pcap_source;

/*
 * Open a pcap or pcapng capture (any timestamp resolution; timestamps are
 * returned in nanoseconds) whose link type is one of those above.
 *
 * Returns the source, or NULL with one of these messages in err (when err
 * is not NULL and errlen > 0):
 *   "cannot open PATH: <strerror>"            missing, unreadable, directory
 *   "PATH: not a pcap or pcapng file"         unknown magic, or empty file
 *   "PATH: corrupt capture header: <detail>"  known magic, header rejected
 *   "PATH: unsupported link type N (NAME)"    N is the DLT value
 *   "out of memory"
 * Regular files are checked by magic before libpcap sees them; a pipe or
 * other non-seekable file goes straight to libpcap.
 */
struct pcap_source *pcap_source_open(const char *path, char *err, size_t errlen);

/*
 * Read the next packet that can be normalized, skipping (and counting) the
 * ones that cannot.
 *
 * Returns 1 with the packet in *out; 0 at a clean end of file; -1 on a read
 * error, with err filled:
 *   "PATH: truncated capture after N packets: <libpcap detail>"
 *   "PATH: read error after N packets: <libpcap detail>"   (corrupt record)
 *   "out of memory"
 * N counts the records read successfully, skipped ones included. After 0 or
 * -1, further calls keep returning the same kind of result without reading.
 *
 * On success out->frame starts with a 14-byte Ethernet header, out->len >=
 * 14, out->wire_len >= out->len, and the bytes stay valid until the next
 * call on this source or pcap_source_close(). Non-Ethernet packets are
 * copied into one per-source buffer that only grows when a packet is larger
 * than any before it; Ethernet packets are not copied at all.
 */
int pcap_source_next(struct pcap_source *s, struct pcap_pkt *out, char *err, size_t errlen);

/* Counters so far; the pointer stays valid until pcap_source_close(). */
const struct pcap_source_stats *pcap_source_stats(const struct pcap_source *s);

/* Short name of the capture's link type, e.g. "EN10MB", "LINUX_SLL2", "RAW". Never NULL. */
const char *pcap_source_linktype_name(const struct pcap_source *s);

/* The capture's link type as a DLT_ value (what pcap_datalink() reports). */
int pcap_source_linktype(const struct pcap_source *s);

/* Close the capture and free everything; NULL is a no-op. */
void pcap_source_close(struct pcap_source *s);

#endif /* NETTRAIL_PCAP_SOURCE_H */
