// SPDX-License-Identifier: BSD-2-Clause
/*
 * session.c - capture sessions: a request is checked and resolved (pods
 * through the Kubernetes identity cache, a Community ID through the flow
 * table, interfaces by name), given one of NT_CAP_SLOTS slots, and its
 * selections go into the kernel's maps; the session ends on a limit, the
 * client leaving, or shutdown, with an ISB, a summary frame and an audit
 * record. Also the manager's open/poll/close.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "capture_int.h"
#include "community_id.h"
#include "k8s.h"

#define NS 1000000000ull

static void audit(struct nt_capture *c, struct cap_sess *s, const char *reason, const char *error)
{
	struct nt_capture_audit a = {
		.uid = s->peer.uid,
		.pid = s->peer.pid,
		.req = &s->req,
		.start_unix_ns = s->start_unix ? s->start_unix : c->now + (uint64_t)c->offset,
		.end_unix_ns = c->now + (uint64_t)c->offset,
		.packets = s->packets,
		.bytes = s->bytes,
		.dropped = s->kdrops + s->slow_drops,
		.filtered = s->filtered,
		.end_reason = reason,
		.error = error,
	};

	if (c->o.audit)
		c->o.audit(c->o.audit_ctx, &a);
}

void cap_refuse(struct nt_capture *c, struct cap_sess *s, const char *msg)
{
	c->st.refused++;
	audit(c, s, "refused", msg);
	cap_frame(s, 'E', msg, strlen(msg));
	s->state = CAP_DRAINING;
	if (cap_flush(c, s) || s->olen == 0)
		cap_conn_free(c, s);
}

/* ---- pods: --pod and --selector against the identity cache -------------- */

struct pod_walk {
	struct nt_capture *c;
	struct cap_sess *s;
	int found[NT_CAP_MAX_SEL];
};

static int labels_match(const struct nt_k8s_endpoint *ep, const struct nt_capreq_selector *sel)
{
	for (unsigned i = 0; i < sel->nlabels; i++) {
		const char *p = ep->labels;
		int ok = 0;

		for (uint16_t j = 0; p && j < ep->nlabels && !ok; j++) {
			const char *v = p + strlen(p) + 1;

			ok = !strcmp(p, sel->labels[i][0]) && !strcmp(v, sel->labels[i][1]);
			p = v + strlen(v) + 1;
		}
		if (!ok)
			return 0;
	}
	return 1;
}

static void add_pod(struct pod_walk *pw, const struct nt_k8s_endpoint *ep, const uint8_t (*ips)[16],
		    unsigned nips, const char *node)
{
	struct cap_sess *s = pw->s;
	struct cap_pod *p;

	if (s->npods == s->cap_pods) {
		int n = s->cap_pods ? s->cap_pods * 2 : 8;
		struct cap_pod *np = realloc(s->pods, (size_t)n * sizeof(*np));

		if (!np)
			return;
		s->pods = np;
		s->cap_pods = n;
	}
	p = &s->pods[s->npods];
	snprintf(p->name, sizeof(p->name), "%s/%s", ep->namespace_, ep->pod_name);
	snprintf(p->desc, sizeof(p->desc), "namespace=%s pod=%s node=%s", ep->namespace_,
		 ep->pod_name, node ? node : (pw->c->o.node ? pw->c->o.node : "?"));
	for (unsigned i = 0; i < nips && s->naddrs < CAP_MAX_ADDRS; i++) {
		struct cap_addr *a = &s->addrs[s->naddrs++];

		memcpy(a->c.addr, ips[i], 16);
		a->c.len = 128;
		a->pod = s->npods;
	}
	s->npods++;
}

static void on_pod(void *ctx, const struct nt_k8s_endpoint *ep, const uint8_t (*ips)[16],
		   unsigned nips, const char *node)
{
	struct pod_walk *pw = ctx;
	const struct nt_capreq *r = &pw->s->req;
	int want = 0;

	if (!ep->namespace_ || !ep->pod_name || ep->host_network)
		return;
	for (unsigned i = 0; i < r->n_pods; i++)
		if (!strcmp(r->pods[i].ns, ep->namespace_) &&
		    !strcmp(r->pods[i].name, ep->pod_name))
			want = pw->found[i] = 1;
	for (unsigned i = 0; i < r->n_sels; i++)
		if (!strcmp(r->sels[i].ns, ep->namespace_) && labels_match(ep, &r->sels[i]))
			want = 1;
	if (want)
		add_pod(pw, ep, ips, nips, node);
}

/* The addresses of a session: --ip prefixes, a --flow's two ends (kept in
 * addrs[0..n_static)), then its pods' addresses, re-resolved every second
 * (pods that appear during the capture are included). Returns the index
 * of a --pod not found, or -1. */
static int resolve_pods(struct nt_capture *c, struct cap_sess *s, int n_static)
{
	struct pod_walk pw = { .c = c, .s = s };

	s->naddrs = n_static;
	s->npods = 0;
	if (!s->req.n_pods && !s->req.n_sels)
		return -1;
	if (!c->o.k8s)
		return 0;
	nt_k8s_each_pod(c->o.k8s, on_pod, &pw); /* under the loop's read lock */
	for (unsigned i = 0; i < s->req.n_pods; i++)
		if (!pw.found[i])
			return (int)i;
	return -1;
}

/* ---- --flow: a Community ID back to its tuple, through the flow table ---- */

static int find_flow(struct nt_capture *c, struct cap_sess *s, const char *cid)
{
	struct nt_flow_key k, next, *prev = NULL;
	char id[COMMUNITY_ID_LEN];

	while (bpf_map_get_next_key(c->o.flows_fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (k.icmp_echo ||
		    community_id_v1(id, 0, k.ip_version, k.addr[0], k.addr[1], k.proto, k.port[0],
				    k.port[1]) ||
		    strcmp(id, cid))
			continue;
		for (int i = 0; i < 2 && s->naddrs < CAP_MAX_ADDRS; i++) {
			struct cap_addr *a = &s->addrs[s->naddrs++];

			memcpy(a->c.addr, k.addr[i], 16);
			a->c.len = 128;
			a->pod = -1;
		}
		return 0;
	}
	return -1;
}

/* --ip, --flow, --interface; 0 or -1 with the reason in err */
static int resolve_static(struct nt_capture *c, struct cap_sess *s, char *err, size_t errlen)
{
	const struct nt_capreq *r = &s->req;

	for (unsigned i = 0; i < r->n_ips; i++) {
		s->addrs[s->naddrs].c = r->ips[i];
		s->addrs[s->naddrs++].pod = -1;
	}
	for (unsigned i = 0; i < r->n_flows; i++)
		if (find_flow(c, s, r->flows[i])) {
			snprintf(err, errlen, "flow %s is not in this node's flow table",
				 r->flows[i]);
			return -1;
		}
	for (unsigned i = 0; i < r->n_ifaces; i++) {
		s->ifindex[i] = if_nametoindex(r->ifaces[i]);
		if (!s->ifindex[i]) {
			snprintf(err, errlen, "no interface %s on this node", r->ifaces[i]);
			return -1;
		}
	}
	s->nifindex = (int)r->n_ifaces;
	return 0;
}

/* ---- the kernel's selections ---------------------------------------------- */

static uint64_t slot_drops(struct nt_capture *c, int slot)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu > 0 ? ncpu : 1], sum = 0;
	uint32_t k = (uint32_t)slot;

	if (ncpu <= 0 || bpf_map_lookup_elem(c->o.drops_fd, &k, v))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

static int kaddr_find(const struct nt_capture *c, const struct nt_cap_addr_key *k, int n)
{
	for (int i = 0; i < n; i++)
		if (!memcmp(&c->kaddr[i], k, sizeof(*k)))
			return i;
	return -1;
}

/* The wanted address entries into kaddr[] (masks merged; a prefix inside
 * another takes the outer one's slots too: the LPM answers only the
 * longest). Returns how many. */
static int want_addrs(struct nt_capture *c, struct nt_cap_addr_key *key, uint8_t *mask)
{
	int n = 0;

	for (int sl = 0; sl < NT_CAP_SLOTS; sl++) {
		struct cap_sess *s = c->slot[sl];

		for (int i = 0; s && i < s->naddrs; i++) {
			struct nt_cap_addr_key k = { .prefixlen = s->addrs[i].c.len };
			int j;

			memcpy(k.addr, s->addrs[i].c.addr, 16);
			for (j = 0; j < n && memcmp(&key[j], &k, sizeof(k)); j++)
				;
			if (j == n) {
				key[n] = k;
				mask[n++] = 0;
			}
			mask[j] |= (uint8_t)(1u << sl);
		}
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			struct nt_cidr outer = { .len = (uint8_t)key[j].prefixlen };

			memcpy(outer.addr, key[j].addr, 16);
			if (key[j].prefixlen < key[i].prefixlen &&
			    nt_cidr_contains(&outer, key[i].addr))
				mask[i] |= mask[j];
		}
	return n;
}

/* Returns 1 when cap_addr changed. */
static int push_addrs(struct nt_capture *c)
{
	static struct nt_cap_addr_key key[NT_CAP_SLOTS * CAP_MAX_ADDRS];
	static uint8_t mask[NT_CAP_SLOTS * CAP_MAX_ADDRS];
	int n = want_addrs(c, key, mask), changed = 0;

	for (int i = 0; i < c->nkaddr; i++) {
		int j;

		for (j = 0; j < n && memcmp(&key[j], &c->kaddr[i], sizeof(key[j])); j++)
			;
		if (j == n) {
			bpf_map_delete_elem(c->o.addr_fd, &c->kaddr[i]);
			changed = 1;
		}
	}
	for (int i = 0; i < n; i++) {
		int j = kaddr_find(c, &key[i], c->nkaddr);

		if (j < 0 || c->kaddr_mask[j] != mask[i]) {
			bpf_map_update_elem(c->o.addr_fd, &key[i], &mask[i], BPF_ANY);
			changed = 1;
		}
	}
	memcpy(c->kaddr, key, (size_t)n * sizeof(key[0]));
	memcpy(c->kaddr_mask, mask, (size_t)n);
	c->nkaddr = n;
	return changed;
}

/* Returns 1 when cap_iface changed. */
static int push_ifaces(struct nt_capture *c)
{
	uint32_t idx[NT_CAP_SLOTS * NT_CAP_MAX_SEL];
	uint8_t mask[NT_CAP_SLOTS * NT_CAP_MAX_SEL];
	int n = 0, changed;

	for (int sl = 0; sl < NT_CAP_SLOTS; sl++)
		for (int i = 0; c->slot[sl] && i < c->slot[sl]->nifindex; i++) {
			int j;

			for (j = 0; j < n && idx[j] != c->slot[sl]->ifindex[i]; j++)
				;
			if (j == n) {
				idx[n] = c->slot[sl]->ifindex[i];
				mask[n++] = 0;
			}
			mask[j] |= (uint8_t)(1u << sl);
		}
	changed = n != c->nkif;
	for (int i = 0; i < c->nkif; i++) {
		int j;

		for (j = 0; j < n && idx[j] != c->kif[i]; j++)
			;
		if (j == n)
			bpf_map_delete_elem(c->o.iface_fd, &c->kif[i]);
		if (j == n || c->kif_mask[i] != mask[j])
			changed = 1;
	}
	if (changed)
		for (int i = 0; i < n; i++)
			bpf_map_update_elem(c->o.iface_fd, &idx[i], &mask[i], BPF_ANY);
	memcpy(c->kif, idx, (size_t)n * sizeof(idx[0]));
	memcpy(c->kif_mask, mask, (size_t)n);
	c->nkif = n;
	return changed;
}

/* Every running session's selections into the kernel; capture_flags last
 * on the way in, first on the way out. After any change of the maps,
 * capture_gen moves on (1..NT_CAP_GEN_MAX): the flows' cached decisions
 * (nt_flow_val.cap) are made again from the new maps. */
static void push(struct nt_capture *c)
{
	uint32_t snap = 0, flags;
	int changed;

	for (int sl = 0; sl < NT_CAP_SLOTS; sl++)
		if (c->slot[sl] && c->slot[sl]->req.snaplen > snap)
			snap = c->slot[sl]->req.snaplen;
	if (snap > NT_CAP_MAX_COPY)
		snap = NT_CAP_MAX_COPY;
	changed = push_addrs(c);
	changed |= push_ifaces(c);
	flags = (c->nkaddr ? NT_CAP_F_ADDR : 0) | (c->nkif ? NT_CAP_F_IFACE : 0);
	if (c->o.gen && changed)
		__atomic_store_n(c->o.gen, *c->o.gen % NT_CAP_GEN_MAX + 1, __ATOMIC_RELEASE);
	if (c->o.flags) {
		if (snap > *c->o.snaplen)
			*c->o.snaplen = snap;
		__atomic_store_n(c->o.flags, flags, __ATOMIC_RELEASE);
		*c->o.snaplen = snap;
	}
}

/* Every second: pods re-resolved, maps pushed, drops read. */
void cap_refresh(struct nt_capture *c)
{
	uint64_t drops = 0;

	for (int sl = 0; sl < NT_CAP_SLOTS; sl++) {
		struct cap_sess *s = c->slot[sl];

		if (!s)
			continue;
		if (s->req.n_pods || s->req.n_sels)
			resolve_pods(c, s, s->nstatic);
		s->kdrops = slot_drops(c, sl) - s->drop_base;
	}
	for (int sl = 0; sl < NT_CAP_SLOTS; sl++)
		drops += slot_drops(c, sl);
	c->st.ring_drops = drops;
	push(c);
}

/* ---- a session's life -------------------------------------------------- */

static int claim_slot(struct nt_capture *c)
{
	for (int i = 0; i < NT_CAP_SLOTS; i++)
		if (!c->slot[i])
			return i;
	return -1;
}

/* A whole request: checked, resolved, given a slot, started. */
void cap_start(struct nt_capture *c, struct cap_sess *s)
{
	char err[512];
	int missing;

	if (!c->o.enabled)
		return cap_refuse(c, s, "capture is disabled on this sensor (--capture off)");
	s->slot = claim_slot(c);
	if (s->slot < 0) {
		snprintf(err, sizeof(err),
			 "%d captures are already running on this node (the most at once); "
			 "try again when one ends",
			 NT_CAP_SLOTS);
		return cap_refuse(c, s, err);
	}
	if ((s->req.n_pods || s->req.n_sels) && !c->o.k8s)
		return cap_refuse(c, s,
				  "--pod and --selector need Kubernetes metadata, and this sensor "
				  "runs without it (--k8s)");
	if (cap_filter_compile(s, err, sizeof(err)) || resolve_static(c, s, err, sizeof(err)))
		return cap_refuse(c, s, err);
	s->nstatic = s->naddrs;
	missing = resolve_pods(c, s, s->nstatic);
	if (missing >= 0) {
		snprintf(err, sizeof(err), "pod %s/%s not found in this node's Kubernetes metadata",
			 s->req.pods[missing].ns, s->req.pods[missing].name);
		return cap_refuse(c, s, err);
	}
	s->w = nt_pcapng_open(cap_pcapng_write, s, c->o.version);
	if (!s->w)
		return cap_refuse(c, s, "out of memory starting the capture");
	s->state = CAP_RUNNING;
	s->start_unix = c->now + (uint64_t)c->offset;
	s->deadline = c->now + (uint64_t)s->req.duration * NS;
	s->drop_base = slot_drops(c, s->slot);
	c->slot[s->slot] = s;
	c->st.started++;
	c->st.active++;
	push(c);
	free(s->in);
	s->in = NULL;
}

/* The file's end: an ISB per interface (the ring's and the slow client's
 * losses on the first: the kernel does not know the interface of a packet
 * it could not copy). A file that caught nothing still gets one IDB. */
static void write_stats(struct nt_capture *c, struct cap_sess *s)
{
	uint64_t ts = c->now + (uint64_t)c->offset;
	uint64_t dropped = s->kdrops + s->slow_drops;

	if (!s->nifs) {
		const char *name = s->req.n_ifaces ? s->req.ifaces[0] : "none";

		s->ifs[0].ifid = nt_pcapng_add_interface(
			s->w, NT_PCAPNG_LINKTYPE_ETHERNET, s->req.snaplen, name,
			s->npods ? s->pods[0].desc : NULL, s->req.filter[0] ? s->req.filter : NULL);
		s->nifs = 1;
	}
	for (int i = 0; i < s->nifs; i++)
		nt_pcapng_stats(s->w, s->ifs[i].ifid, ts, s->ifs[i].recv + (i ? 0 : dropped),
				i ? 0 : dropped);
}

void cap_end(struct nt_capture *c, struct cap_sess *s, const char *reason)
{
	char sum[256];
	int n;

	if (s->state != CAP_RUNNING)
		return;
	s->kdrops = slot_drops(c, s->slot) - s->drop_base;
	write_stats(c, s);
	n = snprintf(sum, sizeof(sum), "packets=%llu bytes=%llu dropped=%llu reason=%s",
		     (unsigned long long)s->packets, (unsigned long long)s->bytes,
		     (unsigned long long)(s->kdrops + s->slow_drops), reason);
	cap_frame(s, 'S', sum, (size_t)n);
	audit(c, s, reason, NULL);
	c->slot[s->slot] = NULL;
	c->st.active--;
	s->state = CAP_DRAINING;
	push(c);
	if (strcmp(reason, "client_closed") == 0 || cap_flush(c, s) || s->olen == 0)
		cap_conn_free(c, s);
}

/* ---- the manager --------------------------------------------------------- */

struct nt_capture *nt_capture_open(const struct nt_capture_opts *o, char *err, size_t errlen)
{
	struct nt_capture *c = calloc(1, sizeof(*c));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->o = *o;
	c->lfd = -1;
	for (int i = 0; i < CAP_MAX_CONN; i++)
		c->conn[i].fd = -1;
	c->path = strdup(o->socket_path);
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!c->path || c->ep < 0) {
		snprintf(err, errlen, "capture: %s", strerror(errno));
		goto fail;
	}
	if (o->enabled) {
		c->rb = ring_buffer__new(o->ring_fd, cap_on_packet, c, NULL);
		/* the ring's readiness: marked with c itself */
		if (!c->rb || epoll_ctl(c->ep, EPOLL_CTL_ADD, ring_buffer__epoll_fd(c->rb), &ev)) {
			snprintf(err, errlen, "capture ring: %s", strerror(errno));
			goto fail;
		}
	}
	/* no socket (a path in use, no permission): the sensor runs on, counted
	 * and said (err), every capture unavailable */
	if (cap_listen(c, err, errlen)) {
		c->st.socket_errors++;
		if (c->lfd >= 0)
			close(c->lfd);
		c->lfd = -1;
	}
	return c;
fail:
	nt_capture_close(c, 0, 0);
	return NULL;
}

int nt_capture_fd(const struct nt_capture *c)
{
	return c->ep;
}

const struct nt_capture_stats *nt_capture_stats(const struct nt_capture *c)
{
	return &c->st;
}

static void on_conn_event(struct nt_capture *c, struct cap_sess *s, uint32_t events)
{
	char b[256];

	if (s->state == CAP_READING && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) {
		int r = cap_read(c, s);

		if (r < 0)
			cap_conn_free(c, s);
		else if (r == 1)
			cap_start(c, s);
		return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		/* a running capture's client says nothing more: EOF is its end */
		ssize_t n = recv(s->fd, b, sizeof(b), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
		    (events & (EPOLLHUP | EPOLLERR))) {
			if (s->state == CAP_RUNNING)
				cap_end(c, s, "client_closed");
			else
				cap_conn_free(c, s);
			return;
		}
	}
	if ((events & EPOLLOUT) && cap_flush(c, s) && s->state == CAP_RUNNING)
		cap_end(c, s, "client_closed");
}

static void check_sessions(struct nt_capture *c)
{
	for (int i = 0; i < CAP_MAX_CONN; i++) {
		struct cap_sess *s = &c->conn[i];

		if (s->state == CAP_READING && c->now - s->accepted > CAP_REQ_TIMEOUT)
			cap_refuse(c, s, "timed out reading the capture request");
		else if (s->state == CAP_RUNNING && s->end_reason)
			cap_end(c, s, s->end_reason);
		else if (s->state == CAP_RUNNING && c->now >= s->deadline)
			cap_end(c, s, "duration");
		else if (s->state == CAP_RUNNING && cap_flush(c, s))
			cap_end(c, s, "client_closed");
		else if (s->state == CAP_DRAINING && (cap_flush(c, s) || s->olen == 0))
			cap_conn_free(c, s);
	}
}

void nt_capture_poll(struct nt_capture *c, uint64_t now, int64_t clock_offset)
{
	struct epoll_event evs[32];
	int n;

	if (!c)
		return;
	c->now = now;
	c->offset = clock_offset;
	n = epoll_wait(c->ep, evs, 32, 0);
	for (int i = 0; i < n; i++) {
		if (evs[i].data.ptr == NULL)
			cap_accept(c);
		else if (evs[i].data.ptr != c)
			on_conn_event(c, evs[i].data.ptr, evs[i].events);
	}
	if (c->rb)
		ring_buffer__consume(c->rb);
	if (now >= c->next_refresh) {
		cap_refresh(c);
		c->next_refresh = now + NS;
	}
	check_sessions(c);
}

void nt_capture_close(struct nt_capture *c, uint64_t now, int64_t clock_offset)
{
	if (!c)
		return;
	c->now = now;
	c->offset = clock_offset;
	if (c->rb)
		ring_buffer__consume(c->rb);
	for (int i = 0; i < CAP_MAX_CONN; i++) {
		struct cap_sess *s = &c->conn[i];

		if (s->state == CAP_RUNNING)
			cap_end(c, s, "shutdown");
		if (s->state != CAP_FREE) {
			/* a last blocking try of what is left, then gone */
			int fl = 0;

			(void)fl;
			cap_flush(c, s);
			cap_conn_free(c, s);
		}
	}
	if (c->o.flags)
		__atomic_store_n(c->o.flags, 0, __ATOMIC_RELEASE);
	if (c->rb)
		ring_buffer__free(c->rb);
	if (c->lfd >= 0) {
		close(c->lfd);
		unlink(c->path);
	}
	if (c->ep >= 0)
		close(c->ep);
	free(c->path);
	free(c);
}
