// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gen_pcap.c - write a synthetic Ethernet capture of concurrent TCP flows,
 * for nettrail's offline-mode benchmarks and tests.
 *
 *   gen_pcap OUT.pcap --packets N --flows F [--seed S] [--v6-ratio R]
 *
 * The capture is a classic pcap with the nanosecond magic, link type
 * Ethernet, holding exactly N packets that belong to exactly F bidirectional
 * TCP flows, all of them open at once: the packets of all flows are randomly
 * interleaved, so every flow spans most of the capture.
 *
 * Every flow is complete and clean, so Wireshark's TCP analysis flags
 * nothing: SYN, SYN+ACK, ACK (MSS, SACK-permitted, timestamps and window
 * scale options), then a data phase whose packets alternate direction,
 * client first, each acknowledging everything its peer has sent (data
 * segments of up to 1448 bytes over IPv4 / 1428 over IPv6, i.e. 1514-byte
 * frames, and 66-/86-byte pure ACKs; a pure ACK always follows a data
 * segment, so there are no duplicate ACKs), then FIN+ACK from the client,
 * FIN+ACK from the server and the client's last ACK. A flow has at least 7
 * packets (one data packet), so N must be at least 7 * F; flow lengths
 * follow a heavy-tailed spread (mice and elephants) that sums to N.
 *
 * Clients are 10.0.0.0/8 (one address per flow, so no 5-tuple repeats) or
 * fd00:0:0:1::/64; servers are 64 hosts in 192.168.100.0/24 or
 * fd00:0:0:2::/64 on ports 443, 80, 8080, 8443. A flow is IPv6 with
 * probability R (default 0). IPv4 and TCP checksums are correct (payload
 * bytes are zero). Packet i is stamped 2024-01-01T00:00:00Z + i microseconds.
 * The output depends only on N, F, S and R (default seed 1).
 *
 * On success it prints one line of JSON to stdout:
 *   {"packets":N,"flows":F,"ip_bytes":B}
 * where B sums the IP-layer length (IP header + payload, i.e. frame length
 * minus 14) over all packets. On failure it prints one line to stderr,
 * removes the partial output (if it is a regular file) and exits non-zero
 * (2: usage, 1: I/O or memory).
 *
 * Only stdio: the pcap format is written directly, one fwrite per packet
 * into a large stdio buffer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fileno under -std=c11 */
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define START_SEC 1704067200ull /* 2024-01-01T00:00:00Z */
#define STEP_NS	  1000ull	/* one packet per microsecond */

#define ETH_HLEN     14
#define IP4_HLEN     20
#define IP6_HLEN     40
#define TCP_HLEN     32 /* 20 + NOP, NOP, timestamps */
#define TCP_SYN_HLEN 40 /* 20 + MSS, SACK_PERM, TS, NOP, WS */
#define MSS4	     1460
#define MSS6	     1440
#define TS_OPT_LEN   12
#define FRAME_MAX    1514
#define REC_HLEN     16 /* pcap record header */

#define MIN_FLOW_PKTS 7 /* 3 handshake + 1 data + 3 teardown */
#define N_SERVERS     64
#define SYN_WINDOW    64240
#define WINDOW	      502 /* scaled by 1 << WSCALE = 64256 bytes */
#define WSCALE	      7

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_PSH 0x08
#define TH_ACK 0x10

struct flow {
	uint32_t total; /* packets this flow has in the capture */
	uint32_t sent;	/* packets emitted so far */
	bool v6;
	bool prev_data;	  /* last data-phase packet carried payload */
	uint16_t port[2]; /* client, server */
	uint32_t addr4[2];
	uint8_t addr6[2][16];
	uint32_t flowlabel;
	uint32_t seq[2];     /* next sequence number each side sends */
	uint32_t ts_base[2]; /* TSval clock offset of each side */
	uint32_t ts_last[2]; /* last TSval each side sent */
	uint16_t ip_id[2];
};

static uint64_t rng_state;

/* splitmix64: deterministic, fast, good enough for traffic shapes. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static uint64_t rnd_below(uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rnd() * n) >> 64);
}

/* Uniform in [0, 1). */
static double rnd_unit(void)
{
	return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

/*
 * A Fenwick tree over the packets each flow still has to send; picking a
 * flow with probability proportional to that count yields a uniformly
 * random interleaving of all flows' packets in O(log F) per packet.
 */
static uint32_t *fen;
static uint32_t fen_n;

static void fen_add(uint32_t i, int32_t delta)
{
	for (i++; i <= fen_n; i += i & -i)
		fen[i] += (uint32_t)delta;
}

/* Index of the flow that owns the r-th remaining packet (r < total remaining). */
static uint32_t fen_find(uint32_t r)
{
	uint32_t pos = 0, step = 1;

	while (step * 2 <= fen_n)
		step *= 2;
	for (; step; step /= 2) {
		if (pos + step <= fen_n && fen[pos + step] <= r) {
			pos += step;
			r -= fen[pos];
		}
	}
	return pos;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/* One's-complement sum of len (even) bytes, added to sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Lay out the flows: addresses, ports, ISNs, and lengths summing to npkts. */
static int make_flows(struct flow *fl, uint32_t nflows, uint64_t npkts, double v6_ratio)
{
	static const uint16_t ports[] = { 443, 443, 443, 80, 80, 8080, 8443 };
	uint64_t *w, wsum = 0, extra, given = 0;
	uint32_t i;

	w = calloc(nflows, sizeof(*w));
	if (!w)
		return -1;
	for (i = 0; i < nflows; i++) {
		struct flow *f = &fl[i];
		uint32_t srv = (uint32_t)rnd_below(N_SERVERS) + 1;
		unsigned int e = (unsigned int)rnd_below(12);

		f->v6 = rnd_unit() < v6_ratio;
		f->port[0] = (uint16_t)(32768 + rnd_below(28232));
		f->port[1] = ports[rnd_below(sizeof(ports) / sizeof(ports[0]))];
		f->addr4[0] = 0x0a000000u | (i + 1); /* 10.x.y.z, unique */
		f->addr4[1] = 0xc0a86400u | srv;     /* 192.168.100.srv */
		memcpy(f->addr6[0], "\xfd\x00\x00\x00\x00\x00\x00\x01", 8);
		memcpy(f->addr6[1], "\xfd\x00\x00\x00\x00\x00\x00\x02", 8);
		put32(f->addr6[0] + 12, i + 1);
		put32(f->addr6[1] + 12, srv);
		f->flowlabel = (uint32_t)rnd() & 0xfffff;
		f->seq[0] = (uint32_t)rnd();
		f->seq[1] = (uint32_t)rnd();
		f->ts_base[0] = (uint32_t)rnd();
		f->ts_base[1] = (uint32_t)rnd();
		f->ip_id[0] = (uint16_t)rnd();
		f->ip_id[1] = (uint16_t)rnd();

		/* log-uniform weight: many mice, a few elephants */
		w[i] = (1ull << e) + rnd_below(1ull << e);
		wsum += w[i];
	}

	extra = npkts - (uint64_t)nflows * MIN_FLOW_PKTS;
	for (i = 0; i < nflows; i++) {
		uint64_t share = extra * w[i] / wsum;

		fl[i].total = (uint32_t)(MIN_FLOW_PKTS + share);
		given += share;
	}
	for (i = 0; given < extra; i = (i + 1) % nflows, given++)
		fl[i].total++;
	free(w);
	return 0;
}

/*
 * Where packet f->sent of flow f falls: its direction (0: client to server,
 * 1: server to client), TCP flags and payload length.
 */
static void next_segment(struct flow *f, int *dir, uint8_t *flags, uint32_t *paylen)
{
	const uint32_t k = f->sent, n = f->total;
	const uint32_t full = (f->v6 ? MSS6 : MSS4) - TS_OPT_LEN;

	*paylen = 0;
	if (k == 0) {
		*dir = 0;
		*flags = TH_SYN;
	} else if (k == 1) {
		*dir = 1;
		*flags = TH_SYN | TH_ACK;
	} else if (k == 2) {
		*dir = 0;
		*flags = TH_ACK;
	} else if (k == n - 3) {
		*dir = 0;
		*flags = TH_FIN | TH_ACK;
	} else if (k == n - 2) {
		*dir = 1;
		*flags = TH_FIN | TH_ACK;
	} else if (k == n - 1) {
		*dir = 0;
		*flags = TH_ACK;
	} else {
		uint32_t j = k - 3;
		bool data;

		*dir = j & 1;
		*flags = TH_ACK;
		if (j == 0 || !f->prev_data)
			data = true; /* never two pure ACKs in a row: no dup ACKs */
		else
			data = rnd_unit() < (*dir ? 0.85 : 0.15);
		if (data) {
			if (*dir == 1 ? rnd_unit() < 0.9 : rnd_unit() < 0.2)
				*paylen = full;
			else if (*dir == 1)
				*paylen = 1 + (uint32_t)rnd_below(full - 1);
			else
				*paylen = 40 + (uint32_t)rnd_below(660);
			if (*paylen < full)
				*flags |= TH_PSH;
		}
		f->prev_data = data;
	}
}

/* The Ethernet and IP headers of a packet of flow f in direction dir. */
static void write_eth_ip(struct flow *f, uint8_t *frame, int dir, uint32_t tcp_len)
{
	static const uint8_t mac[2][6] = {
		{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }, /* client side */
		{ 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe }, /* server side (gateway) */
	};
	uint8_t *ip = frame + ETH_HLEN;

	memcpy(frame, mac[!dir], 6);
	memcpy(frame + 6, mac[dir], 6);
	put16(frame + 12, f->v6 ? 0x86dd : 0x0800);

	if (f->v6) {
		put32(ip, 0x60000000u | f->flowlabel);
		put16(ip + 4, (uint16_t)tcp_len);
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, f->addr6[dir], 16);
		memcpy(ip + 24, f->addr6[!dir], 16);
	} else {
		ip[0] = 0x45;
		ip[1] = 0;
		put16(ip + 2, (uint16_t)(IP4_HLEN + tcp_len));
		put16(ip + 4, f->ip_id[dir]++);
		put16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = 6;
		put16(ip + 10, 0);
		put32(ip + 12, f->addr4[dir]);
		put32(ip + 16, f->addr4[!dir]);
		put16(ip + 10, csum_fold(csum_add(0, ip, IP4_HLEN)));
	}
}

/* The TCP options after the 20-byte header: the SYN set, else timestamps. */
static void write_tcp_options(uint8_t *o, bool syn, uint32_t mss, uint32_t tsval, uint32_t tsecr)
{
	if (syn) {
		o[0] = 2;
		o[1] = 4;
		put16(o + 2, (uint16_t)mss); /* MSS */
		o[4] = 4;
		o[5] = 2; /* SACK permitted */
		o[6] = 8;
		o[7] = 10; /* timestamps */
		put32(o + 8, tsval);
		put32(o + 12, tsecr);
		o[16] = 1; /* NOP */
		o[17] = 3;
		o[18] = 3;
		o[19] = WSCALE; /* window scale */
	} else {
		o[0] = 1;
		o[1] = 1;
		o[2] = 8;
		o[3] = 10;
		put32(o + 4, tsval);
		put32(o + 8, tsecr);
	}
}

/*
 * Build the next packet of flow f into frame (FRAME_MAX bytes whose payload
 * area past the headers is zero) and return its length. t_ms is the capture
 * time in milliseconds, the TCP timestamp clock.
 */
static uint32_t build_packet(struct flow *f, uint8_t *frame, uint32_t t_ms)
{
	const uint32_t k = f->sent;
	const uint32_t mss = f->v6 ? MSS6 : MSS4;
	uint32_t ip_hlen = f->v6 ? IP6_HLEN : IP4_HLEN;
	uint32_t tcp_hlen = TCP_HLEN, paylen, sum, seq, ack, tsecr;
	uint8_t flags, *ip = frame + ETH_HLEN, *tcp;
	int dir; /* 0: client to server, 1: server to client */

	next_segment(f, &dir, &flags, &paylen);
	if (flags & TH_SYN)
		tcp_hlen = TCP_SYN_HLEN;

	seq = f->seq[dir];
	ack = (flags & TH_ACK) ? f->seq[!dir] : 0;
	tsecr = k == 0 ? 0 : f->ts_last[!dir];
	f->ts_last[dir] = f->ts_base[dir] + t_ms;
	f->seq[dir] += paylen + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);

	write_eth_ip(f, frame, dir, tcp_hlen + paylen);

	/* TCP */
	tcp = ip + ip_hlen;
	put16(tcp, f->port[dir]);
	put16(tcp + 2, f->port[!dir]);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = (uint8_t)((tcp_hlen / 4) << 4);
	tcp[13] = flags;
	put16(tcp + 14, (flags & TH_SYN) ? SYN_WINDOW : WINDOW);
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);
	write_tcp_options(tcp + 20, flags & TH_SYN, mss, f->ts_last[dir], tsecr);
	if (paylen) /* SYN options may have landed where payload goes */
		memset(tcp + tcp_hlen, 0, paylen);

	/* pseudo-header + header; the zero payload adds nothing */
	if (f->v6)
		sum = csum_add(0, ip + 8, 32);
	else
		sum = csum_add(0, ip + 12, 8);
	sum += 6 + tcp_hlen + paylen;
	sum = csum_add(sum, tcp, tcp_hlen);
	put16(tcp + 16, csum_fold(sum));

	f->sent++;
	return ETH_HLEN + ip_hlen + tcp_hlen + paylen;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: gen_pcap OUT.pcap --packets N --flows F [--seed S] [--v6-ratio R]\n");
}

/* Parse a whole decimal number in [min, max]; false on any junk. */
static bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

struct gen_opts {
	const char *out;
	uint64_t npkts, nflows, seed;
	double v6_ratio;
};

/* The command line into o: -1, or the exit code (0 for --help, 2 on misuse). */
static int parse_args(int argc, char **argv, struct gen_opts *o)
{
	bool have_pkts = false, have_flows = false;
	int a;

	for (a = 1; a < argc; a++) {
		const char *opt = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;

		if (!strcmp(opt, "--packets")) {
			if (!parse_u64(val, 1, UINT32_MAX, &o->npkts))
				goto bad_value;
			have_pkts = true;
			a++;
		} else if (!strcmp(opt, "--flows")) {
			if (!parse_u64(val, 1, 0xfffffe, &o->nflows))
				goto bad_value;
			have_flows = true;
			a++;
		} else if (!strcmp(opt, "--seed")) {
			if (!parse_u64(val, 0, UINT64_MAX, &o->seed))
				goto bad_value;
			a++;
		} else if (!strcmp(opt, "--v6-ratio")) {
			char *end;

			if (!val)
				goto bad_value;
			errno = 0;
			o->v6_ratio = strtod(val, &end);
			if (errno || end == val || *end || !(o->v6_ratio >= 0 && o->v6_ratio <= 1))
				goto bad_value;
			a++;
		} else if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
			usage();
			return 0;
		} else if (opt[0] == '-' && opt[1] == '-') {
			fprintf(stderr, "gen_pcap: unknown option %s\n", opt);
			usage();
			return 2;
		} else if (!o->out) {
			o->out = opt;
		} else {
			fprintf(stderr, "gen_pcap: more than one output file (%s, %s)\n", o->out,
				opt);
			return 2;
		}
		continue;
bad_value:
		fprintf(stderr,
			"gen_pcap: bad value for %s: %s (--packets 1..%u, "
			"--flows 1..%u, --seed 0..2^64-1, --v6-ratio 0..1)\n",
			opt, val ? val : "(missing)", UINT32_MAX, 0xfffffe);
		return 2;
	}
	if (!o->out || !have_pkts || !have_flows) {
		usage();
		return 2;
	}
	if (o->npkts < o->nflows * MIN_FLOW_PKTS) {
		fprintf(stderr,
			"gen_pcap: --packets %" PRIu64 " is too few for %" PRIu64
			" flows: each flow needs at least %d (SYN, SYN+ACK, ACK, data, "
			"FIN, FIN, ACK)\n",
			o->npkts, o->nflows, MIN_FLOW_PKTS);
		return 2;
	}
	return -1;
}

/* The pcap file header, host byte order, nanosecond magic. */
static void write_file_header(FILE *fp)
{
	uint32_t hdr[6] = { 0xa1b23c4d, 0, 0, 0, 65535, 1 };
	const uint16_t ver[2] = { 2, 4 };

	memcpy(&hdr[1], ver, sizeof(ver));
	fwrite(hdr, sizeof(hdr), 1, fp);
}

/*
 * Write the whole capture of the flows fl to o->out, adding each packet's
 * IP-layer length to *ip_bytes: 0, or 1 after a one-line error.
 */
static int write_capture(const struct gen_opts *o, struct flow *fl, uint64_t *ip_bytes)
{
	static uint8_t rec[REC_HLEN + FRAME_MAX + 64];
	struct stat st;
	int write_err;
	bool regular;
	FILE *fp;

	fp = fopen(o->out, "wb");
	if (!fp) {
		fprintf(stderr, "gen_pcap: cannot create %s: %s\n", o->out, strerror(errno));
		return 1;
	}
	/* only a regular file is removed on failure, never a device or a pipe */
	regular = fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode);
	setvbuf(fp, NULL, _IOFBF, 4 << 20);
	write_file_header(fp);

	for (uint64_t i = 0; i < o->npkts; i++) {
		uint64_t t_ns = i * STEP_NS;
		uint32_t idx = fen_find((uint32_t)rnd_below(o->npkts - i));
		uint32_t len, rh[4];

		len = build_packet(&fl[idx], rec + REC_HLEN, (uint32_t)(t_ns / 1000000));
		fen_add(idx, -1);
		rh[0] = (uint32_t)(START_SEC + t_ns / 1000000000);
		rh[1] = (uint32_t)(t_ns % 1000000000);
		rh[2] = len;
		rh[3] = len;
		memcpy(rec, rh, sizeof(rh));
		if (fwrite(rec, REC_HLEN + len, 1, fp) != 1)
			break;
		*ip_bytes += len - ETH_HLEN;
	}
	write_err = ferror(fp) ? (errno ? errno : EIO) : 0;
	if (fclose(fp) != 0 && !write_err)
		write_err = errno;
	if (write_err) {
		fprintf(stderr, "gen_pcap: write %s: %s\n", o->out, strerror(write_err));
		if (regular)
			remove(o->out);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct gen_opts o = { .seed = 1 };
	uint64_t ip_bytes = 0, i;
	struct flow *fl;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;

	rng_state = o.seed;
	fl = calloc(o.nflows, sizeof(*fl));
	fen_n = (uint32_t)o.nflows;
	fen = calloc(o.nflows + 1, sizeof(*fen));
	if (!fl || !fen || make_flows(fl, fen_n, o.npkts, o.v6_ratio) < 0) {
		fprintf(stderr, "gen_pcap: out of memory for %" PRIu64 " flows\n", o.nflows);
		return 1;
	}
	for (i = 0; i < o.nflows; i++)
		fen_add((uint32_t)i, (int32_t)fl[i].total);

	if (write_capture(&o, fl, &ip_bytes))
		return 1;
	free(fl);
	free(fen);

	printf("{\"packets\":%" PRIu64 ",\"flows\":%" PRIu64 ",\"ip_bytes\":%" PRIu64 "}\n",
	       o.npkts, o.nflows, ip_bytes);
	return fflush(stdout) == 0 ? 0 : 1;
}
