/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dns.h - DNS transactions and the address -> name cache.
 *
 * DNS samples from the datapath (every packet on a DNS port) are parsed;
 * a query waits for its answer (matched on flow and message ID, question
 * name checked), and the pair becomes one DNS record. Answers fill a
 * bounded LRU cache that names flow destinations: (client, address) ->
 * the name the client asked for, and a node-wide (address -> name) entry
 * for clients behind a shared resolver. Entries expire with the answer's
 * TTL plus a grace period. Each name is split by the Public Suffix List
 * once per transaction (dns_psl.h); cache entries keep that split.
 */
#ifndef NT_DNS_H
#define NT_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_msg.h"
#include "dns_psl.h"
#include "nettrail.h"

/* One transaction, as handed to the record writer. */
struct nt_dns_txn {
	struct nt_flow_key key;
	uint8_t client; /* key side of the client */
	uint32_t ifindex;
	bool has_query, has_answer;
	uint64_t query_ns, answer_ns;
	/* from the query (when seen) */
	uint16_t id, q_flags;
	uint8_t q_opcode;
	uint16_t qtype, qclass;
	char qname[DNS_MAX_NAME];
	struct nt_dn_split qsplit;    /* qname by the Public Suffix List */
	const struct dns_msg *answer; /* when seen */
};

typedef void (*nt_dns_emit_fn)(void *ctx, const struct nt_dns_txn *t);

struct nt_dns_opts {
	uint64_t answer_timeout_ns; /* a query unanswered this long is reported */
	size_t cache_max;	    /* cache entries, both kinds together */
	uint64_t grace_ns;	    /* kept past the TTL */
	nt_dns_emit_fn emit;
	void *emit_ctx;
};

struct nt_dns_stats {
	uint64_t messages, parse_errors;
	uint64_t answered, unanswered, unmatched_answers;
	uint64_t pending; /* queries waiting now */
	uint64_t cache_entries, cache_evictions, cache_hits, cache_misses;
	uint64_t tcp_gaps;	      /* TCP DNS bytes missed: stream resynced */
	uint64_t tcp_streams;	      /* TCP DNS directions being reassembled */
	uint64_t pending_early;	      /* reported unanswered early: too many waiting */
	uint64_t tcp_streams_dropped; /* oldest TCP stream dropped: too many */
};

/* Bounds: a query flood or thousands of TCP DNS connections cost at most
 * this much memory; the oldest give way, and are counted. */
#define NT_DNS_MAX_PENDING     65536 /* ~330 bytes each */
#define NT_DNS_MAX_TCP_STREAMS 1024  /* ~4.2 KiB each */

struct nt_dns;

struct nt_dns *nt_dns_new(const struct nt_dns_opts *o);
void nt_dns_free(struct nt_dns *d);

/* One DNS sample (struct nt_sample of kind NT_SAMPLE_DNS). Returns how
 * many DNS messages it held that parsed. */
int nt_dns_on_sample(struct nt_dns *d, const struct nt_sample *s);

/* Reports queries unanswered for the timeout (now: hook clock). */
void nt_dns_expire(struct nt_dns *d, uint64_t now);

/* Reports every pending query as unanswered (shutdown). */
void nt_dns_flush(struct nt_dns *d);

/* The name `client` resolved `addr` from, or a node-wide one, or NULL.
 * Both addresses are 16 bytes (IPv4-mapped). now: hook clock. */
const char *nt_dns_name(struct nt_dns *d, const uint8_t client[16], const uint8_t addr[16],
			uint64_t now);
/* The same, with the name's Public Suffix List split (split may be NULL). */
const char *nt_dns_name_split(struct nt_dns *d, const uint8_t client[16], const uint8_t addr[16],
			      uint64_t now, struct nt_dn_split *split);

const struct nt_dns_stats *nt_dns_stats(const struct nt_dns *d);

#endif
