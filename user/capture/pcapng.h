/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcapng.h - a pcapng writer (draft-ietf-opsawg-pcapng) for on-demand
 * captures: one Section Header Block (shb_userappl = nettrail's version),
 * one Interface Description Block per capturing interface (if_name,
 * if_description, if_filter, if_tsresol = 9, i.e. nanoseconds), Enhanced
 * Packet Blocks with epb_flags (direction) and an opt_comment, and an
 * Interface Statistics Block per interface at the end (isb_ifrecv,
 * isb_ifdrop). Little-endian, the host's order on every machine we run on
 * (the SHB's byte-order magic says so to readers).
 *
 * The writer does no I/O of its own: each block is built in an internal
 * buffer and handed whole to the caller's write function (a file, a
 * socket, a test buffer), so a reader never sees half a block.
 */
#ifndef NT_PCAPNG_H
#define NT_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

/* epb_flags bits 0-1: the packet's direction (pcapng 4.3.1) */
#define NT_PCAPNG_DIR_UNKNOWN  0u
#define NT_PCAPNG_DIR_INBOUND  1u
#define NT_PCAPNG_DIR_OUTBOUND 2u

/* LINKTYPE_ values for nt_pcapng_add_interface */
#define NT_PCAPNG_LINKTYPE_ETHERNET 1u
#define NT_PCAPNG_LINKTYPE_RAW	    101u /* raw IPv4/IPv6, L3 devices */

/* Hands one whole block (len bytes) to the destination; returns 0, or -1
 * when the destination failed (the writer then fails every later call). */
typedef int (*nt_pcapng_write_fn)(void *ctx, const void *buf, size_t len);

struct nt_pcapng;

/* Opens a section: writes the SHB at once. userappl may be NULL. Returns
 * NULL on allocation or write failure. */
struct nt_pcapng *nt_pcapng_open(nt_pcapng_write_fn fn, void *ctx, const char *userappl);

/* Writes an IDB; returns the interface id (0, 1, ...) for later packets,
 * or -1. description and filter may be NULL (the option is then left out). */
int nt_pcapng_add_interface(struct nt_pcapng *w, uint16_t linktype, uint32_t snaplen,
			    const char *name, const char *description, const char *filter);

/* Writes an EPB: caplen bytes of data, origlen the packet's real length
 * (skb->len), ts_ns nanoseconds since the epoch, flags the NT_PCAPNG_DIR_
 * value, comment may be NULL. Returns 0 or -1. */
int nt_pcapng_packet(struct nt_pcapng *w, int ifid, uint64_t ts_ns, const void *data,
		     uint32_t caplen, uint32_t origlen, uint32_t flags, const char *comment);

/* Writes an ISB for an interface: received and dropped packets as of
 * ts_ns. Returns 0 or -1. */
int nt_pcapng_stats(struct nt_pcapng *w, int ifid, uint64_t ts_ns, uint64_t received,
		    uint64_t dropped);

/* Bytes handed to the write function so far (for the --bytes limit). */
uint64_t nt_pcapng_bytes(const struct nt_pcapng *w);

/* Frees the writer (writes nothing: call nt_pcapng_stats first). */
void nt_pcapng_close(struct nt_pcapng *w);

#endif
