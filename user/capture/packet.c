// SPDX-License-Identifier: BSD-2-Clause
/*
 * packet.c - the capture ring: each copied packet into the file of every
 * session whose slot it matched, after that session's own checks (its
 * snaplen, --filter with pcap_offline_filter, --flow's Community ID, its
 * limits). Per flow, once: the EPB comment (community_id, flow_id, pod)
 * and which end was selected (the packet's direction).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"
#include "collector.h"
#include "community_id.h"
#include "k8s.h"
#include "record.h"
#include "sockattr.h"
#include "util.h"

/* What a packet's headers say, for its flow. */
struct tuple {
	__u32 src[4], dst[4];
	uint16_t sport, dport;
	uint8_t proto, ipv;
};

static void mapped4(__u32 a[4], const uint8_t *p)
{
	a[0] = a[1] = 0;
	a[2] = htonl(0xffff);
	memcpy(&a[3], p, 4);
}

static int l4_ports(struct tuple *t, const uint8_t *p, size_t n)
{
	if (t->proto == 6 || t->proto == 17 || t->proto == 132) {
		if (n < 4)
			return 0;
		t->sport = (uint16_t)(p[0] << 8 | p[1]);
		t->dport = (uint16_t)(p[2] << 8 | p[3]);
	} else if (t->proto == 1 || t->proto == 58) {
		if (n < 2)
			return 0;
		t->sport = p[0]; /* type, code (Community ID's ICMP form) */
		t->dport = p[1];
	}
	return 1;
}

/* 1 when the packet is IPv4 or IPv6 with its addresses in t */
static int parse_tuple(const uint8_t *p, size_t n, int l2, struct tuple *t)
{
	size_t off = 0;
	unsigned v;

	memset(t, 0, sizeof(*t));
	if (l2) {
		uint16_t et;

		if (n < 14)
			return 0;
		et = (uint16_t)(p[12] << 8 | p[13]);
		off = 14;
		if ((et == 0x8100 || et == 0x88a8) && n >= 18) {
			et = (uint16_t)(p[16] << 8 | p[17]);
			off = 18;
		}
		if (et != 0x0800 && et != 0x86dd)
			return 0;
	}
	if (n <= off)
		return 0;
	v = p[off] >> 4;
	if (v == 4 && n >= off + 20) {
		unsigned ihl = (p[off] & 15u) * 4;
		int later_frag = ((p[off + 6] & 0x1f) << 8 | p[off + 7]) != 0;

		t->ipv = 4;
		t->proto = p[off + 9];
		mapped4(t->src, p + off + 12);
		mapped4(t->dst, p + off + 16);
		if (!later_frag && ihl >= 20 && n > off + ihl)
			l4_ports(t, p + off + ihl, n - off - ihl);
		return 1;
	}
	if (v == 6 && n >= off + 40) {
		t->ipv = 6;
		t->proto = p[off + 6];
		memcpy(t->src, p + off + 8, 16);
		memcpy(t->dst, p + off + 24, 16);
		l4_ports(t, p + off + 40, n - off - 40);
		return 1;
	}
	return 0;
}

/* 1 when the frame is ARP for IPv4 over Ethernet (RFC 826), with its
 * sender's address (mapped) in ip */
static int arp_sender(const uint8_t *p, size_t n, uint8_t ip[16])
{
	static const uint8_t v4arp[6] = { 0, 1, 8, 0, 6, 4 }; /* htype, ptype, hlen, plen */
	size_t off = 14;
	uint16_t et;

	if (n < 14)
		return 0;
	et = (uint16_t)(p[12] << 8 | p[13]);
	if ((et == 0x8100 || et == 0x88a8) && n >= 18) {
		et = (uint16_t)(p[16] << 8 | p[17]);
		off = 18;
	}
	if (et != 0x0806 || n < off + 28 || memcmp(p + off, v4arp, sizeof(v4arp)))
		return 0;
	memset(ip, 0, 10);
	ip[10] = ip[11] = 0xff;
	memcpy(ip + 12, p + off + 14, 4);
	return 1;
}

static int addr_pod(const struct cap_sess *s, const uint8_t ip[16], int *selected)
{
	int pod = -1;

	for (int i = 0; i < s->naddrs; i++)
		if (nt_cidr_contains(&s->addrs[i].c, ip)) {
			*selected = 1;
			if (s->addrs[i].pod >= 0)
				pod = s->addrs[i].pod;
		}
	return pod;
}

/* the flow's id as its records give it (nettrail.flow.id), when the
 * kernel's table has it */
static void flow_id(struct nt_capture *c, const struct nt_flow_key *k, char out[17])
{
	struct nt_flow_val v;
	struct nt_flow_report rep;

	out[0] = 0;
	if (!c->o.rec || bpf_map_lookup_elem(c->o.flows_fd, k, &v))
		return;
	memset(&rep, 0, sizeof(rep));
	rep.key = *k;
	rep.flow_start_ns = v.first_ns;
	nt_flow_id(c->o.rec, &rep, out);
}

/* An end's pod from the identity cache, when the selection named none
 * (--ip, --flow, --interface): " pod=ns/name", the selected end's first,
 * else the source's. */
static void known_pod(struct nt_capture *c, const struct tuple *t, const struct cap_flow *f,
		      char *out, size_t outlen)
{
	const struct nt_k8s_endpoint *ep = NULL;
	const uint8_t *first = f->has_sel ? f->sel_addr : (const uint8_t *)t->src;
	const uint8_t *second = first == (const uint8_t *)t->src || !memcmp(first, t->src, 16) ?
					(const uint8_t *)t->dst :
					(const uint8_t *)t->src;

	if (!c->o.k8s)
		return;
	for (int i = 0; i < 2 && !(ep && ep->kind == NT_K8S_POD); i++)
		ep = nt_k8s_lookup(c->o.k8s, i ? second : first, c->now / 1000000000ull);
	if (ep && ep->kind == NT_K8S_POD && ep->namespace_ && ep->pod_name)
		snprintf(out, outlen, " pod=%s/%s", ep->namespace_, ep->pod_name);
}

/* The other end of a selected pod's flow when it is a pod too, from the
 * identity cache: " peer=ns/name" (the scanner, the client: who the pod
 * talked to). Once per flow, on its first packet, like known_pod(). */
static void peer_pod(struct nt_capture *c, const struct tuple *t, const struct cap_flow *f,
		     char *out, size_t outlen)
{
	const uint8_t *other = !memcmp(f->sel_addr, t->src, 16) ? (const uint8_t *)t->dst :
								  (const uint8_t *)t->src;
	const struct nt_k8s_endpoint *ep;

	if (!c->o.k8s || !f->has_sel)
		return;
	ep = nt_k8s_lookup(c->o.k8s, other, c->now / 1000000000ull);
	if (ep && ep->kind == NT_K8S_POD && ep->namespace_ && ep->pod_name)
		snprintf(out, outlen, " peer=%s/%s", ep->namespace_, ep->pod_name);
}

static void flow_comment(struct nt_capture *c, struct cap_sess *s, const struct tuple *t,
			 struct cap_flow *f)
{
	char cid[COMMUNITY_ID_LEN], fid[17];
	int sel[2] = { 0, 0 }, pod[2];
	size_t n;

	pod[0] = addr_pod(s, (const uint8_t *)t->src, &sel[0]);
	pod[1] = addr_pod(s, (const uint8_t *)t->dst, &sel[1]);
	f->pod = pod[0] >= 0 ? pod[0] : pod[1];
	/* the selected end: the direction is relative to it */
	f->has_sel = sel[0] || sel[1];
	memcpy(f->sel_addr, sel[0] ? t->src : t->dst, 16);
	if (community_id_v1(cid, 0, t->ipv, (const uint8_t *)t->src, (const uint8_t *)t->dst,
			    t->proto, t->sport, t->dport))
		cid[0] = 0;
	for (unsigned i = 0; i < s->req.n_flows; i++)
		f->keep |= !strcmp(cid, s->req.flows[i]);
	flow_id(c, &f->key, fid);
	n = (size_t)snprintf(f->comment, sizeof(f->comment), "community_id=%s", cid);
	if (fid[0] && n < sizeof(f->comment))
		n += (size_t)snprintf(f->comment + n, sizeof(f->comment) - n, " flow_id=%s", fid);
	if (f->pod >= 0 && n < sizeof(f->comment))
		snprintf(f->comment + n, sizeof(f->comment) - n, " pod=%s", s->pods[f->pod].name);
	else if (n < sizeof(f->comment))
		known_pod(c, t, f, f->comment + n, sizeof(f->comment) - n);
	n = strlen(f->comment);
	if (f->pod >= 0 && n < sizeof(f->comment))
		peer_pod(c, t, f, f->comment + n, sizeof(f->comment) - n);
}

/* The session's entry for the packet's flow (made on its first packet). */
static struct cap_flow *flow_get(struct nt_capture *c, struct cap_sess *s, const struct tuple *t)
{
	struct nt_flow_key k;
	struct cap_flow *f;

	memset(&k, 0, sizeof(k));
	nt_flow_key_make(&k, t->src, t->dst, t->sport, t->dport, t->proto, t->ipv, 0);
	HASH_FIND(hh, s->flows, &k, sizeof(k), f);
	if (f)
		return f;
	if (s->nflows >= CAP_FLOWS_MAX)
		cap_session_free_packets(s); /* a long capture of many flows: start over */
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->key = k;
	flow_comment(c, s, t, f);
	f->proc_tries = c->o.sa && t->proto != 1 && t->proto != 58 ? 32 : 0;
	HASH_ADD(hh, s->flows, key, sizeof(k), f);
	s->nflows++;
	return f;
}

/* The flow's local process, once the cgroup hooks have said it (their
 * ring is read after the first packets): " pid=N comm=NAME" appended to
 * the comment; looked for on the flow's first 32 packets. */
static void flow_process(struct nt_capture *c, struct cap_flow *f)
{
	const struct nt_sock_attr *a = nt_sockattr_find(c->o.sa, &f->key);
	size_t n = strlen(f->comment);

	f->proc_tries--;
	if (!a || !a->pid)
		return;
	snprintf(f->comment + n, sizeof(f->comment) - n, " pid=%u comm=%.16s", a->pid, a->comm);
	f->proc_tries = 0;
}

/* The file's interface for ifindex: an IDB on its first packet. */
static int iface_get(struct cap_sess *s, uint32_t ifindex, int l2, int pod)
{
	char name[IF_NAMESIZE + 8];

	for (int i = 0; i < s->nifs; i++)
		if (s->ifs[i].ifindex == ifindex)
			return i;
	if (s->nifs == CAP_MAX_IFS)
		return -1;
	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "if%u", ifindex);
	s->ifs[s->nifs].ifid = nt_pcapng_add_interface(
		s->w, l2 ? NT_PCAPNG_LINKTYPE_ETHERNET : NT_PCAPNG_LINKTYPE_RAW, s->req.snaplen,
		name, pod >= 0 ? s->pods[pod].desc : (s->npods ? s->pods[0].desc : NULL),
		s->req.filter[0] ? s->req.filter : NULL);
	if (s->ifs[s->nifs].ifid < 0)
		return -1;
	s->ifs[s->nifs].ifindex = ifindex;
	return s->nifs++;
}

static uint32_t direction(const struct cap_sess *s, const struct nt_cap_hdr *h, const uint8_t *pkt,
			  const struct tuple *t, const struct cap_flow *f)
{
	uint8_t ip[16];
	int sel = 0;

	/* ARP under an address selection: from a selected sender, outbound */
	if (!t && h->l2 && s->naddrs && arp_sender(pkt, h->caplen, ip)) {
		addr_pod(s, ip, &sel);
		return sel ? NT_PCAPNG_DIR_OUTBOUND : NT_PCAPNG_DIR_INBOUND;
	}
	if (!f || !f->has_sel) /* an interface selection: its own view */
		return h->hook == NT_HOOK_TC_INGRESS ? NT_PCAPNG_DIR_INBOUND :
						       NT_PCAPNG_DIR_OUTBOUND;
	/* from the selected end: outbound; to it: inbound */
	return memcmp(t->src, f->sel_addr, 16) ? NT_PCAPNG_DIR_INBOUND : NT_PCAPNG_DIR_OUTBOUND;
}

/* 1 when the session's own checks keep the packet */
static int session_keeps(struct nt_capture *c, struct cap_sess *s, const struct nt_cap_hdr *h,
			 const uint8_t *pkt, struct cap_flow *f)
{
	int l2 = h->l2 ? 1 : 0;

	if (s->req.n_flows && (!f || !f->keep))
		return 0; /* --flow: the kernel selected its two addresses */
	if (s->req.filter[0]) {
		if (!cap_filter_match(s, l2, pkt, h->caplen, h->len)) {
			s->filtered++;
			c->st.filtered++;
			return 0;
		}
	}
	return 1;
}

static void session_packet(struct nt_capture *c, struct cap_sess *s, const struct nt_cap_hdr *h,
			   const uint8_t *pkt, const struct tuple *t)
{
	uint32_t caplen = h->caplen < s->req.snaplen ? h->caplen : s->req.snaplen;
	struct cap_flow *f = t ? flow_get(c, s, t) : NULL;
	int ifi;

	if (!session_keeps(c, s, h, pkt, f))
		return;
	if (s->bytes + caplen > s->req.bytes) {
		s->end_reason = "bytes";
		return;
	}
	if (s->olen - s->ooff > CAP_OUT_MAX) { /* the client does not keep up */
		s->slow_drops++;
		c->st.client_drops++;
		return;
	}
	if (f && f->proc_tries)
		flow_process(c, f);
	ifi = iface_get(s, h->ifindex, h->l2, f ? f->pod : -1);
	if (ifi < 0 ||
	    nt_pcapng_packet(s->w, s->ifs[ifi].ifid, h->ts_ns + (uint64_t)c->offset, pkt, caplen,
			     h->len, direction(s, h, pkt, t, f), f ? f->comment : NULL)) {
		s->slow_drops++;
		c->st.client_drops++;
		return;
	}
	s->ifs[ifi].recv++;
	s->packets++;
	s->bytes += caplen;
	c->st.packets++;
	c->st.bytes += caplen;
	if (s->req.packets && s->packets >= s->req.packets)
		s->end_reason = "packets";
}

int cap_on_packet(void *ctx, void *data, size_t len)
{
	struct nt_capture *c = ctx;
	const struct nt_cap_hdr *h = data;
	const uint8_t *pkt = (const uint8_t *)data + sizeof(*h);
	struct tuple t;
	int have;

	if (len < sizeof(*h) || h->caplen > len - sizeof(*h))
		return 0;
	have = parse_tuple(pkt, h->caplen, h->l2, &t);
	for (int sl = 0; sl < NT_CAP_SLOTS; sl++) {
		struct cap_sess *s = c->slot[sl];

		if ((h->mask & (1u << sl)) && s && s->state == CAP_RUNNING && !s->end_reason)
			session_packet(c, s, h, pkt, have ? &t : NULL);
	}
	return 0;
}

void cap_session_free_packets(struct cap_sess *s)
{
	NT_HASH_DRAIN(s->flows, free);
	s->nflows = 0;
}
