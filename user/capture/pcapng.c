// SPDX-License-Identifier: BSD-2-Clause
/*
 * pcapng.c - the pcapng writer of pcapng.h. Blocks are laid out by hand
 * (a few dozen lines) rather than through libpcap: libpcap writes only
 * pcap, and its pcapng support is read-only; Wireshark's writer is not a
 * library Debian ships for C programs.
 */
#include "pcapng.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BT_ISB 0x00000005u

#define OPT_ENDOFOPT   0
#define OPT_COMMENT    1
#define SHB_USERAPPL   4
#define IF_NAME	       2
#define IF_DESCRIPTION 3
#define IF_TSRESOL     9
#define IF_FILTER      11
#define EPB_FLAGS      2
#define ISB_STARTTIME  2
#define ISB_ENDTIME    3
#define ISB_IFRECV     4
#define ISB_IFDROP     5
#define OPT_MAX_LEN    0xfff0u /* an option's length is 16 bits */

struct nt_pcapng {
	nt_pcapng_write_fn fn;
	void *ctx;
	uint8_t *buf; /* the block being built */
	size_t len, cap;
	uint64_t written;
	int nif;
	int failed;
};

static int reserve(struct nt_pcapng *w, size_t more)
{
	uint8_t *nb;

	if (w->len + more <= w->cap)
		return 0;
	nb = nt_grow(w->buf, &w->cap, w->len + more, 512);
	if (!nb)
		return -1;
	w->buf = nb;
	return 0;
}

static int put(struct nt_pcapng *w, const void *p, size_t n)
{
	if (reserve(w, n + 3) < 0)
		return -1;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

static int put32(struct nt_pcapng *w, uint32_t v)
{
	return put(w, &v, 4);
}

static int pad4(struct nt_pcapng *w)
{
	static const uint8_t zero[4];
	return put(w, zero, (4 - (w->len & 3)) & 3);
}

static int opt(struct nt_pcapng *w, uint16_t code, const void *val, size_t n)
{
	if (n > OPT_MAX_LEN)
		n = OPT_MAX_LEN;
	uint16_t hdr[2] = { code, (uint16_t)n };
	if (put(w, hdr, 4) < 0 || put(w, val, n) < 0)
		return -1;
	return pad4(w);
}

static int opt_str(struct nt_pcapng *w, uint16_t code, const char *s)
{
	return s && *s ? opt(w, code, s, strlen(s)) : 0;
}

static int opt_u64(struct nt_pcapng *w, uint16_t code, uint64_t v)
{
	return opt(w, code, &v, 8);
}

/* Starts a block: type, a length patched by finish(). */
static int begin(struct nt_pcapng *w, uint32_t type)
{
	if (w->failed)
		return -1;
	w->len = 0;
	return put32(w, type) < 0 || put32(w, 0) < 0 ? -1 : 0;
}

/* Ends the options (when there were any), patches both lengths, writes. */
static int finish(struct nt_pcapng *w, int had_opts)
{
	if (had_opts && opt(w, OPT_ENDOFOPT, NULL, 0) < 0)
		goto fail;
	uint32_t total = (uint32_t)w->len + 4;
	if (put32(w, total) < 0)
		goto fail;
	memcpy(w->buf + 4, &total, 4);
	if (w->fn(w->ctx, w->buf, w->len) < 0)
		goto fail;
	w->written += w->len;
	return 0;
fail:
	w->failed = 1;
	return -1;
}

struct nt_pcapng *nt_pcapng_open(nt_pcapng_write_fn fn, void *ctx, const char *userappl)
{
	struct nt_pcapng *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->fn = fn;
	w->ctx = ctx;
	uint16_t ver[2] = { 1, 0 };
	uint64_t section_len = UINT64_MAX; /* not known: streamed */
	if (begin(w, BT_SHB) < 0 || put32(w, 0x1A2B3C4Du) < 0 || put(w, ver, 4) < 0 ||
	    put(w, &section_len, 8) < 0 || opt_str(w, SHB_USERAPPL, userappl) < 0 ||
	    finish(w, userappl && *userappl) < 0) {
		nt_pcapng_close(w);
		return NULL;
	}
	return w;
}

int nt_pcapng_add_interface(struct nt_pcapng *w, uint16_t linktype, uint32_t snaplen,
			    const char *name, const char *description, const char *filter)
{
	uint16_t lt[2] = { linktype, 0 };
	uint8_t tsresol = 9;
	if (begin(w, BT_IDB) < 0 || put(w, lt, 4) < 0 || put32(w, snaplen) < 0 ||
	    opt_str(w, IF_NAME, name) < 0 || opt_str(w, IF_DESCRIPTION, description) < 0 ||
	    opt(w, IF_TSRESOL, &tsresol, 1) < 0)
		return -1;
	if (filter && *filter) {
		/* if_filter: a type byte (0 = a libpcap filter string), then the string */
		size_t n = strlen(filter);
		if (n > OPT_MAX_LEN - 1)
			n = OPT_MAX_LEN - 1;
		uint16_t hdr[2] = { IF_FILTER, (uint16_t)(n + 1) };
		uint8_t kind = 0;
		if (put(w, hdr, 4) < 0 || put(w, &kind, 1) < 0 || put(w, filter, n) < 0 ||
		    pad4(w) < 0)
			return -1;
	}
	if (finish(w, 1) < 0)
		return -1;
	return w->nif++;
}

int nt_pcapng_packet(struct nt_pcapng *w, int ifid, uint64_t ts_ns, const void *data,
		     uint32_t caplen, uint32_t origlen, uint32_t flags, const char *comment)
{
	if (ifid < 0 || ifid >= w->nif)
		return -1;
	uint32_t hdr[5] = { (uint32_t)ifid, (uint32_t)(ts_ns >> 32), (uint32_t)ts_ns, caplen,
			    origlen < caplen ? caplen : origlen };
	if (begin(w, BT_EPB) < 0 || put(w, hdr, sizeof(hdr)) < 0 || put(w, data, caplen) < 0 ||
	    pad4(w) < 0)
		return -1;
	if (flags && opt(w, EPB_FLAGS, &flags, 4) < 0)
		return -1;
	if (opt_str(w, OPT_COMMENT, comment) < 0)
		return -1;
	return finish(w, flags || (comment && *comment));
}

int nt_pcapng_stats(struct nt_pcapng *w, int ifid, uint64_t ts_ns, uint64_t received,
		    uint64_t dropped)
{
	if (ifid < 0 || ifid >= w->nif)
		return -1;
	uint32_t hdr[3] = { (uint32_t)ifid, (uint32_t)(ts_ns >> 32), (uint32_t)ts_ns };
	if (begin(w, BT_ISB) < 0 || put(w, hdr, sizeof(hdr)) < 0 ||
	    opt_u64(w, ISB_IFRECV, received) < 0 || opt_u64(w, ISB_IFDROP, dropped) < 0)
		return -1;
	return finish(w, 1);
}

uint64_t nt_pcapng_bytes(const struct nt_pcapng *w)
{
	return w->written;
}

void nt_pcapng_close(struct nt_pcapng *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w);
}
