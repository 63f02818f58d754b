// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sockattr.c - loads bpf/sock.bpf.c at the cgroup v2 root and keeps what it
 * reports: flow key -> the local socket(s) of the flow (cgroup, process).
 * See sockattr.h and docs/process.md.
 *
 * The table is bounded: an entry lives until nt_sockattr_forget() (the
 * flow's final report); past max_flows the least recently used entry
 * (inserted, updated or found longest ago) is evicted and counted. Flows the
 * TC programs never see (loopback when lo is not attached) age out that way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <uthash.h>
#include <utlist.h>

#include "cgroupmap.h"
#include "sockattr.h"
#include "sock.skel.h"

#define NPROGS 6

struct attr_entry {
	struct nt_flow_key key;	     /* uthash key */
	struct nt_sock_attr side[2]; /* by local side */
	uint8_t present;	     /* bit per side */
	uint8_t first;		     /* side that arrived first */
	UT_hash_handle hh;
	struct attr_entry *prev, *next; /* LRU: head is the oldest */
};

struct nt_sockattr {
	struct sock_bpf *skel;
	struct bpf_link *links[NPROGS];
	struct ring_buffer *rb;
	int cg_fd;
	char root[4096];
	struct attr_entry *table; /* uthash head */
	struct attr_entry *lru;	  /* utlist DL head */
	uint32_t max_flows;
	uint64_t events, evicted;
	int ncpus;
};

static void set_err(char *err, size_t errlen, const char *fmt, const char *a, int e)
{
	if (!err || !errlen)
		return;
	snprintf(err, errlen, fmt, a, strerror(e));
}

static void touch(struct nt_sockattr *s, struct attr_entry *e)
{
	if (s->lru && s->lru->prev == e)
		return; /* already the most recent */
	DL_DELETE(s->lru, e);
	DL_APPEND(s->lru, e);
}

static void drop(struct nt_sockattr *s, struct attr_entry *e)
{
	HASH_DEL(s->table, e);
	DL_DELETE(s->lru, e);
	free(e);
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct nt_sockattr *s = ctx;
	const struct nt_sock_event *ev = data;
	struct attr_entry *e;
	unsigned side;

	if (len < sizeof(*ev))
		return 0;
	s->events++;
	side = ev->attr.local_side & 1;
	HASH_FIND(hh, s->table, &ev->key, sizeof(ev->key), e);
	if (!e) {
		if (HASH_COUNT(s->table) >= s->max_flows && s->lru) {
			drop(s, s->lru);
			s->evicted++;
		}
		e = calloc(1, sizeof(*e));
		if (!e) {
			s->evicted++;
			return 0;
		}
		e->key = ev->key;
		e->first = side;
		HASH_ADD(hh, s->table, key, sizeof(e->key), e);
		DL_APPEND(s->lru, e);
	} else {
		touch(s, e);
		/* a later report of the same socket without a process (an
		 * accepted socket re-reporting) must not erase one with */
		if ((e->present & (1u << side)) && e->side[side].has_proc && !ev->attr.has_proc &&
		    e->side[side].sock_cookie == ev->attr.sock_cookie)
			return 0;
	}
	e->side[side] = ev->attr;
	e->side[side].comm[sizeof(e->side[side].comm) - 1] = 0;
	e->present |= 1u << side;
	return 0;
}

static void detach_all(struct nt_sockattr *s)
{
	for (int i = 0; i < NPROGS; i++) {
		if (s->links[i])
			bpf_link__destroy(s->links[i]);
		s->links[i] = NULL;
	}
}

/* The ring buffer's size in bytes: a power of two pages, as the kernel
 * wants, of at least kib KiB. */
static uint32_t ring_bytes(uint32_t kib)
{
	uint32_t b = 4096;

	while (b < kib * 1024u && b < (1u << 30))
		b <<= 1;
	return b;
}

/* s->root (cgroup_root, or the cgroup2 mount) and s->cg_fd. */
static int open_root(struct nt_sockattr *s, const char *cgroup_root, char *err, size_t errlen)
{
	if (cgroup_root) {
		if (strlen(cgroup_root) >= sizeof(s->root)) {
			set_err(err, errlen, "sockattr: cgroup root too long: %s%s", "",
				ENAMETOOLONG);
			return -1;
		}
		strcpy(s->root, cgroup_root);
	} else if (!nt_cgroup_v2_mount(s->root, sizeof(s->root))) {
		if (err && errlen)
			snprintf(err, errlen,
				 "sockattr: no cgroup2 file system in /proc/mounts "
				 "(process attribution needs cgroup v2)");
		return -1;
	}
	s->cg_fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->cg_fd < 0) {
		set_err(err, errlen, "sockattr: open %s: %s", s->root, errno);
		return -1;
	}
	return 0;
}

/* Opens and loads sock.bpf.o: the kernel LRU of lru entries, a ring of
 * ring bytes. */
static int load_programs(struct nt_sockattr *s, uint32_t lru, uint32_t ring, char *err,
			 size_t errlen)
{
	int r;

	s->skel = sock_bpf__open();
	if (!s->skel) {
		set_err(err, errlen, "sockattr: open BPF object%s: %s", "", errno);
		return -1;
	}
	/* the benchmark's empty baselines stay out */
	bpf_program__set_autoload(s->skel->progs.nt_skb_empty, false);
	bpf_program__set_autoload(s->skel->progs.nt_sendmsg_empty, false);
	/* and so does the tests' parser hook */
	bpf_program__set_autoload(s->skel->progs.nt_key_probe, false);
	bpf_map__set_autocreate(s->skel->maps.sock_probe, false);
	bpf_map__set_max_entries(s->skel->maps.sock_seen, lru);
	bpf_map__set_max_entries(s->skel->maps.sock_events, ring);
	r = sock_bpf__load(s->skel);
	if (r) {
		set_err(err, errlen, "sockattr: load BPF programs%s: %s", "", -r);
		return -1;
	}
	return 0;
}

/* The six programs onto s->cg_fd (s->links; the caller detaches on
 * failure). */
static int attach_programs(struct nt_sockattr *s, char *err, size_t errlen)
{
	struct bpf_program *progs[NPROGS];

	progs[0] = s->skel->progs.nt_connect4;
	progs[1] = s->skel->progs.nt_connect6;
	progs[2] = s->skel->progs.nt_sendmsg4;
	progs[3] = s->skel->progs.nt_sendmsg6;
	progs[4] = s->skel->progs.nt_skb_egress;
	progs[5] = s->skel->progs.nt_skb_ingress;
	for (int i = 0; i < NPROGS; i++) {
		s->links[i] = bpf_program__attach_cgroup(progs[i], s->cg_fd);
		if (!s->links[i]) {
			int e = errno;

			s->links[i] = NULL;
			if (err && errlen)
				snprintf(err, errlen, "sockattr: attach %s to %s: %s",
					 bpf_program__section_name(progs[i]), s->root, strerror(e));
			return -1;
		}
	}
	return 0;
}

/* The ring buffer's reader and the CPU count the counters need. */
static int open_ring(struct nt_sockattr *s, char *err, size_t errlen)
{
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.sock_events), on_event, s, NULL);
	if (!s->rb) {
		set_err(err, errlen, "sockattr: ring buffer%s: %s", "", errno);
		return -1;
	}
	s->ncpus = libbpf_num_possible_cpus();
	if (s->ncpus <= 0) {
		set_err(err, errlen, "sockattr: possible CPUs%s: %s", "", -s->ncpus);
		return -1;
	}
	return 0;
}

struct nt_sockattr *nt_sockattr_open_opts(const char *cgroup_root, const struct nt_sockattr_opts *o,
					  char *err, size_t errlen)
{
	struct nt_sockattr *s;
	uint32_t lru = 65536, ring = 256;

	if (err && errlen)
		err[0] = 0;
	s = calloc(1, sizeof(*s));
	if (!s) {
		set_err(err, errlen, "sockattr: %s%s", "", ENOMEM);
		return NULL;
	}
	s->cg_fd = -1;
	s->max_flows = 131072;
	if (o && o->max_flows)
		s->max_flows = o->max_flows;
	if (o && o->kernel_lru)
		lru = o->kernel_lru;
	if (o && o->ringbuf_kib)
		ring = o->ringbuf_kib;

	if (open_root(s, cgroup_root, err, errlen) ||
	    load_programs(s, lru, ring_bytes(ring), err, errlen) ||
	    attach_programs(s, err, errlen) || open_ring(s, err, errlen)) {
		nt_sockattr_close(s);
		return NULL;
	}
	return s;
}

struct nt_sockattr *nt_sockattr_open(const char *cgroup_root, char *err, size_t errlen)
{
	return nt_sockattr_open_opts(cgroup_root, NULL, err, errlen);
}

int nt_sockattr_poll(struct nt_sockattr *s)
{
	uint64_t before;
	int r;

	if (!s || !s->rb)
		return -1;
	before = s->events;
	r = ring_buffer__consume(s->rb);
	if (r < 0)
		return -1;
	return (int)(s->events - before);
}

static struct attr_entry *lookup(struct nt_sockattr *s, const struct nt_flow_key *k)
{
	struct attr_entry *e;
	struct nt_flow_key key = *k;

	if (!s)
		return NULL;
	key._pad = 0;
	HASH_FIND(hh, s->table, &key, sizeof(key), e);
	if (e)
		touch(s, e);
	return e;
}

const struct nt_sock_attr *nt_sockattr_find(struct nt_sockattr *s, const struct nt_flow_key *k)
{
	struct attr_entry *e = lookup(s, k);
	int first;

	if (!e)
		return NULL;
	first = e->first & 1;
	if (e->present == 3) {
		if (e->side[!first].has_proc && !e->side[first].has_proc)
			return &e->side[!first];
		return &e->side[first];
	}
	return &e->side[e->present == 2 ? 1 : 0];
}

const struct nt_sock_attr *nt_sockattr_find_side(struct nt_sockattr *s, const struct nt_flow_key *k,
						 int side)
{
	struct attr_entry *e = lookup(s, k);

	if (!e || side < 0 || side > 1 || !(e->present & (1u << side)))
		return NULL;
	return &e->side[side];
}

void nt_sockattr_forget(struct nt_sockattr *s, const struct nt_flow_key *k)
{
	struct attr_entry *e;
	struct nt_flow_key key;

	if (!s)
		return;
	key = *k;
	key._pad = 0;
	HASH_FIND(hh, s->table, &key, sizeof(key), e);
	if (e)
		drop(s, e);
}

void nt_sockattr_stats(struct nt_sockattr *s, struct nt_sockattr_stats *st)
{
	struct nt_sock_stats *pc;
	__u32 zero = 0;

	memset(st, 0, sizeof(*st));
	if (!s)
		return;
	st->evicted = s->evicted;
	st->tracked = HASH_COUNT(s->table);
	if (!s->skel || s->ncpus <= 0)
		return;
	pc = calloc((size_t)s->ncpus, sizeof(*pc));
	if (!pc)
		return;
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.sock_stats), &zero, pc) == 0) {
		for (int c = 0; c < s->ncpus; c++) {
			st->events += pc[c].v[NT_SOCK_STAT_EVENTS];
			st->ringbuf_full += pc[c].v[NT_SOCK_STAT_RINGBUF_FULL];
			st->no_storage += pc[c].v[NT_SOCK_STAT_NO_STORAGE];
			st->parse_errors += pc[c].v[NT_SOCK_STAT_PARSE_ERR];
			st->proc_set += pc[c].v[NT_SOCK_STAT_PROC_SET];
		}
	}
	free(pc);
}

void nt_sockattr_counters(struct nt_sockattr *s, uint64_t *lost, uint64_t *tracked)
{
	struct nt_sockattr_stats st;

	nt_sockattr_stats(s, &st);
	if (lost)
		*lost = st.ringbuf_full + st.no_storage + st.evicted;
	if (tracked)
		*tracked = st.tracked;
}

const char *nt_sockattr_cgroup_root(struct nt_sockattr *s)
{
	return s ? s->root : NULL;
}

void nt_sockattr_close(struct nt_sockattr *s)
{
	struct attr_entry *e, *tmp;

	if (!s)
		return;
	detach_all(s);
	if (s->rb)
		ring_buffer__free(s->rb);
	if (s->skel)
		sock_bpf__destroy(s->skel);
	if (s->cg_fd >= 0)
		close(s->cg_fd);
	HASH_ITER(hh, s->table, e, tmp) {
		HASH_DEL(s->table, e);
		free(e);
	}
	free(s);
}
