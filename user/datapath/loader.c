// SPDX-License-Identifier: BSD-2-Clause
/* loader.c - skeleton load, TC attach/detach, link discovery via netlink. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strdup, memmem, getrandom... whatever the flags */
#endif
#include "loader.h"
#include "log.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flow.skel.h"

static char names_buf[64][IF_NAMESIZE];
static const char *names_ptr[65];

static void no_privilege(int e, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "not enough privilege to load BPF programs (%s): run as root or with CAP_BPF, "
		 "CAP_NET_ADMIN and CAP_PERFMON",
		 strerror(e));
}

/* Is a kernel function in vmlinux, or in the nf_conntrack module's BTF
 * when it is loaded? */
static bool kfunc_present(struct btf *vm, const char *name)
{
	struct btf *mod;
	bool found = btf__find_by_name_kind(vm, name, BTF_KIND_FUNC) >= 0;

	if (!found && access("/sys/kernel/btf/nf_conntrack", R_OK) == 0) {
		mod = btf__load_module_btf("nf_conntrack", vm);
		if (mod) {
			found = btf__find_by_name_kind(mod, name, BTF_KIND_FUNC) >= 0;
			btf__free(mod);
		}
	}
	return found;
}

/*
 * Which conntrack program can this kernel load? tc_nat_ct needs the
 * conntrack kfuncs to exist (nf_conntrack built in, or loaded: asked once
 * at start, a module loaded later is not used) and bpf_cast_to_kern_ctx
 * (6.3); tc_nat_ct_lookup the conntrack kfuncs only.
 */
static enum nt_nat_ct ct_mode(void)
{
	struct btf *vm = btf__load_vmlinux_btf();
	enum nt_nat_ct m = NT_NAT_CT_NONE;

	if (!vm)
		return m;
	if (kfunc_present(vm, "bpf_skb_ct_lookup"))
		m = kfunc_present(vm, "bpf_cast_to_kern_ctx") &&
				    kfunc_present(vm, "bpf_rdonly_cast") ?
			    NT_NAT_CT_SKB :
			    NT_NAT_CT_LOOKUP;
	btf__free(vm);
	return m;
}

int nt_dp_ct_prepare(struct flow_bpf *skel, enum nt_nat_ct ct)
{
	struct btf *vm;
	int id;

	bpf_program__set_autoload(skel->progs.tc_nat_ct, ct == NT_NAT_CT_SKB);
	bpf_program__set_autoload(skel->progs.tc_nat_ct_lookup, ct == NT_NAT_CT_LOOKUP);
	if (ct != NT_NAT_CT_SKB)
		return 0;
	vm = btf__load_vmlinux_btf();
	id = vm ? btf__find_by_name_kind(vm, "nf_conn", BTF_KIND_STRUCT) : -ENOENT;
	btf__free(vm);
	if (id <= 0) /* in nf_conntrack's module BTF only */
		return -ENOENT;
	skel->rodata->cfg_nf_conn_btf_id = (__u32)id;
	return 0;
}

/* SYN slots (include/nettrail.h): a 64th of the flow table, a power of two
 * from 256 to 1,024 (40 to 160 KiB). A refused SYN holds its slot for one
 * round trip, so even a flood keeps few busy at once; what a slot costs is
 * its cache lines, and a small array stays in the cache (the programs'
 * share of a SYN flood's CPU, perf: 5.35% with 16,384 slots, 4.96% with
 * 1,024, 4.75% with 256; 6.24% without slots). Unanswered SYNs fill the
 * slots until they are idle; the SYNs after them go into the table as
 * before (syn_slot_taken). */
static __u32 syn_slots_for(__u32 max_flows)
{
	__u32 n = 256;

	while (n < max_flows / 64 && n < 1024)
		n <<= 1;
	return n;
}

/* tcp_present's counts (flow.bpf.c): --max-flows/16, 1,024 to 16,384, so
 * that they stay in the cache (16 KiB at the default). Measured:
 * bench_datapath flood-warm, docs/BENCHMARKS.md "Fifth pass". */
static __u32 tcp_present_for(__u32 max_flows)
{
	__u32 n = 1024;

	while (n < max_flows / 16 && n < 16384)
		n <<= 1;
	return n;
}

static void *map_mmap(struct bpf_map *m, size_t elem, size_t *len)
{
	size_t page = (size_t)getpagesize();
	void *p;

	*len = ((size_t)bpf_map__max_entries(m) * elem + page - 1) & ~(page - 1);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
	return p == MAP_FAILED ? NULL : p;
}

/* The collector reads parked SYNs in place and keeps tcp_present's counts
 * when it deletes a flow: both are mmapped. */
static int shared_maps_mmap(struct nt_datapath *dp)
{
	dp->syn_slots =
		map_mmap(dp->skel->maps.syn_slots, sizeof(struct nt_syn_slot), &dp->syn_slots_len);
	if (!dp->syn_slots)
		return -errno;
	dp->n_syn_slots = bpf_map__max_entries(dp->skel->maps.syn_slots);
	dp->tcp_present = map_mmap(dp->skel->maps.tcp_present, sizeof(__u32), &dp->tcp_present_len);
	if (!dp->tcp_present)
		return -errno;
	dp->n_tcp_present = bpf_map__max_entries(dp->skel->maps.tcp_present);
	return 0;
}

/* Opens the skeleton, sets .rodata and map sizes, loads it; ct: which
 * conntrack program to load (the ones that call kfuncs), if any. */
static int dp_load(struct nt_datapath *dp, const struct nt_config *cfg, bool pcap_mode,
		   enum nt_nat_ct ct)
{
	__u32 nat_max = cfg->max_flows / 4 < 1024 ? 1024 : cfg->max_flows / 4;
	struct bpf_program *ctp;
	int e;

	dp->skel = flow_bpf__open();
	if (!dp->skel)
		return -errno;
	dp->skel->rodata->cfg_pcap_mode = pcap_mode;
	dp->skel->rodata->cfg_overflow_per_sec = cfg->overflow_rate;
	dp->skel->rodata->cfg_sample_pkts = (__u8)cfg->sample_pkts;
	dp->skel->rodata->cfg_tls_cert_max_bytes = cfg->tls_cert_max_bytes;
	for (int i = 0; i < 4; i++)
		dp->skel->rodata->cfg_dns_ports[i] = cfg->dns_ports[i];
	bpf_map__set_max_entries(dp->skel->maps.flows, cfg->max_flows);
	dp->skel->rodata->cfg_syn_slots = syn_slots_for(cfg->max_flows);
	bpf_map__set_max_entries(dp->skel->maps.syn_slots, dp->skel->rodata->cfg_syn_slots);
	dp->skel->rodata->cfg_tcp_present = tcp_present_for(cfg->max_flows);
	bpf_map__set_max_entries(dp->skel->maps.tcp_present, dp->skel->rodata->cfg_tcp_present);
	bpf_map__set_max_entries(dp->skel->maps.nat_links, nat_max);
	bpf_map__set_max_entries(dp->skel->maps.nat_flows, nat_max);
	/* capture (docs/capture.md): a copy buffer per CPU and the full ring
	 * only when it can be used: live, --capture on */
	bpf_map__set_max_entries(dp->skel->maps.cap_scratch,
				 cfg->capture && !pcap_mode ? (__u32)libbpf_num_possible_cpus() :
							      1);
	if (!cfg->capture || pcap_mode)
		bpf_map__set_max_entries(dp->skel->maps.cap_ring, (__u32)getpagesize());
	ctp = ct == NT_NAT_CT_SKB ? dp->skel->progs.tc_nat_ct : dp->skel->progs.tc_nat_ct_lookup;
	e = nt_dp_ct_prepare(dp->skel, ct);
	if (e == 0)
		e = flow_bpf__load(dp->skel);
	if (e == 0 && ct != NT_NAT_CT_NONE) {
		__u32 zero = 0;
		int fd = bpf_program__fd(ctp);

		e = bpf_map_update_elem(bpf_map__fd(dp->skel->maps.nat_progs), &zero, &fd, BPF_ANY);
		e = e ? -errno : 0;
	}
	if (e == 0)
		e = shared_maps_mmap(dp);
	if (e) {
		flow_bpf__destroy(dp->skel);
		dp->skel = NULL;
	}
	dp->nat_ct = e == 0 ? ct : NT_NAT_CT_NONE;
	return e;
}

int nt_dp_open(struct nt_datapath *dp, const struct nt_config *cfg, bool pcap_mode, char *err,
	       size_t errlen)
{
	enum nt_nat_ct ct;
	int e;

	memset(dp, 0, sizeof(*dp));
	/* one clear line, before libbpf warns about memlock and probes: it
	 * answers 0 when even a trivial program is refused */
	e = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SOCKET_FILTER, NULL);
	if (e == 0 || e == -EPERM || e == -EACCES) {
		no_privilege(e ? -e : EPERM, err, errlen);
		return -1;
	}
	dp->nl_fd = -1;
	dp->patterns = cfg->interfaces;
	dp->attach = (enum nt_attach_mode)cfg->attach_mode;
	/* offline there is no conntrack to ask */
	ct = !pcap_mode && cfg->nat_link == 0 ? ct_mode() : NT_NAT_CT_NONE;
	e = dp_load(dp, cfg, pcap_mode, ct);
	if (e && ct == NT_NAT_CT_SKB) /* say, a kernel whose nf_conn is in a module */
		e = dp_load(dp, cfg, pcap_mode, ct = NT_NAT_CT_LOOKUP);
	if (e && ct != NT_NAT_CT_NONE) {
		nt_warn("warning: the conntrack lookup program did not load (%s): translated "
			"connections are not linked (nat_unchecked counts them)",
			strerror(-e));
		e = dp_load(dp, cfg, pcap_mode, NT_NAT_CT_NONE);
	} else if (!e && ct == NT_NAT_CT_NONE && !pcap_mode && cfg->nat_link == 0) {
		nt_warn("warning: the kernel has no conntrack kfuncs (nf_conntrack not loaded): "
			"translated connections are not linked (nat_unchecked counts them)");
	}
	if (e) {
		e = -e;
		if (e == EPERM || e == EACCES)
			no_privilege(e, err, errlen);
		else
			snprintf(err, errlen,
				 "cannot load the BPF programs: %s "
				 "(a kernel with BTF, 5.15 or newer, is needed)",
				 strerror(e));
		return -1;
	}
	if (pcap_mode) {
		const char *base = cfg->pcap ? strrchr(cfg->pcap, '/') : NULL;

		snprintf(dp->pcap_name, sizeof(dp->pcap_name), "%s",
			 base ? base + 1 : (cfg->pcap ? cfg->pcap : "pcap"));
	}
	return 0;
}

int nt_dp_flows_fd(const struct nt_datapath *dp)
{
	return bpf_map__fd(dp->skel->maps.flows);
}

int nt_dp_stats_fd(const struct nt_datapath *dp)
{
	return bpf_map__fd(dp->skel->maps.stats);
}

int nt_dp_ended_fd(const struct nt_datapath *dp)
{
	return bpf_map__fd(dp->skel->maps.ended);
}

int nt_dp_events_fd(const struct nt_datapath *dp)
{
	return bpf_map__fd(dp->skel->maps.events);
}

int nt_dp_samples_fd(const struct nt_datapath *dp)
{
	return bpf_map__fd(dp->skel->maps.samples);
}

int nt_dp_tls_cert_fd(const struct nt_datapath *dp)
{
	return bpf_map__fd(dp->skel->maps.tls_cert);
}

void nt_dp_cert_stop(void *ctx, const struct nt_flow_key *k, int side)
{
	struct nt_cert_key ck = { .flow = *k, .side = (__u32)side };

	/* ENOENT is the usual answer: the kernel's cap ended it first */
	(void)bpf_map_delete_elem(nt_dp_tls_cert_fd(ctx), &ck);
}

int nt_dp_nat_links_fd(const struct nt_datapath *dp)
{
	return bpf_map__fd(dp->skel->maps.nat_links);
}

int nt_dp_nat_flows_fd(const struct nt_datapath *dp)
{
	return bpf_map__fd(dp->skel->maps.nat_flows);
}

int nt_dp_nat_get(void *ctx, const struct nt_flow_key *k, struct nt_nat *out)
{
	const struct nt_datapath *dp = ctx;

	return bpf_map_lookup_elem(nt_dp_nat_flows_fd(dp), k, out) ? -1 : 0;
}

int nt_dp_prog_fd(const struct nt_datapath *dp, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(dp->skel->obj, name);

	return p ? bpf_program__fd(p) : -1;
}

static struct nt_iface *iface_find(struct nt_datapath *dp, uint32_t ifindex)
{
	for (size_t i = 0; i < dp->n_ifaces; i++)
		if (dp->ifaces[i].ifindex == ifindex)
			return &dp->ifaces[i];
	return NULL;
}

static struct nt_iface *iface_add(struct nt_datapath *dp, uint32_t ifindex, const char *name)
{
	struct nt_iface *f = iface_find(dp, ifindex);

	if (!f) {
		if (dp->n_ifaces == dp->cap_ifaces) {
			size_t cap = dp->cap_ifaces ? dp->cap_ifaces * 2 : 16;
			struct nt_iface *n = realloc(dp->ifaces, cap * sizeof(*n));
			if (!n)
				return NULL;
			dp->ifaces = n;
			dp->cap_ifaces = cap;
		}
		f = &dp->ifaces[dp->n_ifaces++];
		memset(f, 0, sizeof(*f));
		f->ifindex = ifindex;
		f->link_fd[0] = f->link_fd[1] = -1;
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->gone = false;
	return f;
}

const char *nt_dp_ifname(void *ctx, uint32_t ifindex)
{
	static char buf[16];
	struct nt_datapath *dp = ctx;
	struct nt_iface *f;

	if (dp->pcap_name[0])
		return dp->pcap_name;
	f = iface_find(dp, ifindex);
	if (f)
		return f->name;
	snprintf(buf, sizeof(buf), "if%u", ifindex);
	return buf;
}

const char *const *nt_dp_attached_names(struct nt_datapath *dp)
{
	size_t n = 0;

	if (dp->pcap_name[0])
		names_ptr[n++] = dp->pcap_name;
	for (size_t i = 0; i < dp->n_ifaces && n < 64; i++) {
		if (!dp->ifaces[i].attached)
			continue;
		memcpy(names_buf[n], dp->ifaces[i].name, IF_NAMESIZE);
		names_ptr[n] = names_buf[n];
		n++;
	}
	names_ptr[n] = NULL;
	return names_ptr;
}

/* Does the name match --interface? Default: everything but loopback. */
static bool wanted(const struct nt_datapath *dp, const char *name, unsigned int flags,
		   bool *explicit_name)
{
	const char *p = dp->patterns;

	*explicit_name = false;
	if (!p)
		return (flags & IFF_UP) && !(flags & IFF_LOOPBACK);
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char pat[IF_NAMESIZE * 2];

		if (n && n < sizeof(pat)) {
			memcpy(pat, p, n);
			pat[n] = 0;
			if (!strpbrk(pat, "*?[")) {
				if (!strcmp(pat, name)) {
					*explicit_name = true;
					return true;
				}
			} else if (!fnmatch(pat, name, 0) && (flags & IFF_UP)) {
				return true;
			}
		}
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

/* libbpf 1.1's and the distribution's headers predate tcx (kernel 6.6):
 * enum bpf_attach_type's values and the mprog flag, from the kernel ABI */
#define NT_BPF_TCX_INGRESS 46
#define NT_BPF_TCX_EGRESS  47
#define NT_BPF_F_BEFORE	   (1U << 3) /* with no relative program: first */

static const char *prog_for(const struct nt_iface *f, int egress)
{
	if (egress)
		return f->l3 ? "tc_egress_l3" : "tc_egress";
	return f->l3 ? "tc_ingress_l3" : "tc_ingress";
}

static void tcx_close(struct nt_iface *f)
{
	for (int i = 0; i < 2; i++) {
		if (f->link_fd[i] >= 0)
			close(f->link_fd[i]);
		f->link_fd[i] = -1;
	}
}

/*
 * tcx: a link per direction, placed first in the device's chain, so a CNI's
 * own programs (which may redirect) run after ours; ours return TCX_NEXT.
 * The links are the process's: they go when it exits, however it exits.
 * Under a SYN flood it costs what clsact does (docs/BENCHMARKS.md, issue
 * 13, "Fifth pass"): it is the default for its order and its cleanup.
 */
static int tcx_attach_one(struct nt_datapath *dp, struct nt_iface *f)
{
	const int at[2] = { NT_BPF_TCX_INGRESS, NT_BPF_TCX_EGRESS };

	for (int i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_link_create_opts, o, .flags = NT_BPF_F_BEFORE);
		int fd = bpf_link_create(nt_dp_prog_fd(dp, prog_for(f, i)), (int)f->ifindex,
					 (enum bpf_attach_type)at[i], &o);

		if (fd < 0) {
			int e = -errno;

			tcx_close(f);
			return e;
		}
		f->link_fd[i] = fd;
	}
	return 0;
}

static int clsact_attach_one(struct nt_datapath *dp, struct nt_iface *f)
{
	enum bpf_tc_attach_point pts[2] = { BPF_TC_INGRESS, BPF_TC_EGRESS };
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)f->ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int e;

	e = bpf_tc_hook_create(&hook);
	if (e && e != -EEXIST)
		return e;
	f->created_qdisc = (e == 0);
	for (int i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = NT_TC_HANDLE, .priority = NT_TC_PRIO,
			    .prog_fd = nt_dp_prog_fd(dp, prog_for(f, i)),
			    .flags = BPF_TC_F_REPLACE);

		hook.attach_point = pts[i];
		e = bpf_tc_attach(&hook, &opts);
		if (e)
			return e;
	}
	return 0;
}

static int tc_attach_one(struct nt_datapath *dp, struct nt_iface *f, char *err, size_t errlen)
{
	int e = 0;

	if (f->link_fd[0] >= 0) /* tcx links follow a renamed device */
		goto ok;
	if (dp->attach != NT_ATTACH_TC) {
		e = tcx_attach_one(dp, f);
		if (e == 0)
			goto ok;
		if (dp->attach == NT_ATTACH_TCX || (e != -EINVAL && e != -EOPNOTSUPP))
			goto fail;
		/* a kernel without tcx (< 6.6): clsact from now on */
		nt_info("tcx is not available (%s): attaching through the clsact qdisc",
			strerror(-e));
		dp->attach = NT_ATTACH_TC;
	}
	e = clsact_attach_one(dp, f);
	if (e)
		goto fail;
ok:
	f->attached = true;
	return 0;
fail:
	dp->attach_errors++;
	snprintf(err, errlen, "cannot attach to interface %s: %s%s", f->name, strerror(-e),
		 e == -EPERM ? " (needs CAP_NET_ADMIN: run as root)" : "");
	return -1;
}

static void tc_detach_one(struct nt_iface *f)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)f->ifindex);
	enum bpf_tc_attach_point pts[2] = { BPF_TC_INGRESS, BPF_TC_EGRESS };

	if (f->link_fd[0] >= 0) { /* closing the links detaches them */
		tcx_close(f);
		f->attached = false;
		return;
	}
	if (!f->attached || f->gone)
		return;
	for (int i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = NT_TC_HANDLE, .priority = NT_TC_PRIO);

		hook.attach_point = pts[i];
		bpf_tc_detach(&hook, &opts);
	}
	if (f->created_qdisc) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	f->attached = false;
}

/*
 * Handles one RTM_NEWLINK/RTM_DELLINK. at_start: the initial dump, where an
 * explicitly named interface that fails to attach is an error.
 */
static int on_link(struct nt_datapath *dp, struct nlmsghdr *nh, bool at_start, char *err,
		   size_t errlen)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
	const char *name = NULL;
	struct nt_iface *f;
	bool explicit_name;

	if (len < 0)
		return 0;
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_IFNAME)
			name = RTA_DATA(a);
	if (!name)
		return 0;
	if (nh->nlmsg_type == RTM_DELLINK) {
		f = iface_find(dp, (uint32_t)ifi->ifi_index);
		if (f) {
			f->gone = true; /* its filters (or links) went with it */
			tcx_close(f);
			f->attached = false;
		}
		return 0;
	}
	if (!wanted(dp, name, ifi->ifi_flags, &explicit_name))
		return 0;
	f = iface_find(dp, (uint32_t)ifi->ifi_index);
	if (f && f->attached && !strcmp(f->name, name))
		return 0;
	f = iface_add(dp, (uint32_t)ifi->ifi_index, name);
	if (!f)
		return 0;
	f->l3 = ifi->ifi_type != ARPHRD_ETHER && ifi->ifi_type != ARPHRD_LOOPBACK;
	if (tc_attach_one(dp, f, err, errlen)) {
		if (at_start && explicit_name)
			return -1;
		nt_warn("warning: %s", err);
	}
	return 0;
}

/* Reads and dispatches netlink messages until the socket would block (or
 * until NLMSG_DONE when dumping). */
static int nl_read(struct nt_datapath *dp, int fd, bool dump, char *err, size_t errlen)
{
	char buf[32768];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), dump ? 0 : MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) /* overrun: rescan on next event */
				continue;
			return dump ? -1 : 0;
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return dump ? -1 : 0;
			if (nh->nlmsg_type == RTM_NEWLINK || nh->nlmsg_type == RTM_DELLINK)
				if (on_link(dp, nh, dump, err, errlen))
					return -2;
		}
		if (!dump)
			continue;
	}
}

int nt_dp_attach_all(struct nt_datapath *dp, char *err, size_t errlen)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
			.nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1 },
		.ifi = { .ifi_family = AF_UNSPEC },
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int dfd, r;

	/* subscribe first, so no link appears unseen between dump and watch */
	dp->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (dp->nl_fd < 0 || bind(dp->nl_fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(err, errlen, "netlink: %s", strerror(errno));
		return -1;
	}
	dfd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (dfd < 0 || send(dfd, &req, req.nh.nlmsg_len, 0) < 0) {
		snprintf(err, errlen, "netlink dump: %s", strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	r = nl_read(dp, dfd, true, err, errlen);
	close(dfd);
	if (r == -1)
		snprintf(err, errlen, "netlink dump failed: %s", strerror(errno));
	if (r)
		return -1;
	/* every explicitly named interface must exist */
	for (const char *p = dp->patterns; p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		bool found = false;
		char pat[IF_NAMESIZE * 2];

		if (n < sizeof(pat) && n) {
			memcpy(pat, p, n);
			pat[n] = 0;
			for (size_t i = 0; i < dp->n_ifaces; i++)
				found |= !strcmp(dp->ifaces[i].name, pat);
			if (!found && !strpbrk(pat, "*?[")) {
				snprintf(err, errlen, "unknown interface '%s'", pat);
				return -1;
			}
		}
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

void nt_dp_netlink_handle(struct nt_datapath *dp)
{
	char err[256];

	if (dp->nl_fd >= 0)
		nl_read(dp, dp->nl_fd, false, err, sizeof(err));
}

void nt_dp_detach_all(struct nt_datapath *dp)
{
	for (size_t i = 0; i < dp->n_ifaces; i++)
		tc_detach_one(&dp->ifaces[i]);
}

void nt_dp_close(struct nt_datapath *dp)
{
	nt_dp_detach_all(dp);
	if (dp->nl_fd >= 0)
		close(dp->nl_fd);
	if (dp->syn_slots)
		munmap(dp->syn_slots, dp->syn_slots_len);
	if (dp->tcp_present)
		munmap(dp->tcp_present, dp->tcp_present_len);
	flow_bpf__destroy(dp->skel);
	free(dp->ifaces);
	memset(dp, 0, sizeof(*dp));
	dp->nl_fd = -1;
}

void nt_dp_capture(struct nt_datapath *dp, struct nt_dp_capture *out)
{
	out->ring_fd = bpf_map__fd(dp->skel->maps.cap_ring);
	out->drops_fd = bpf_map__fd(dp->skel->maps.cap_drops);
	out->addr_fd = bpf_map__fd(dp->skel->maps.cap_addr);
	out->iface_fd = bpf_map__fd(dp->skel->maps.cap_iface);
	out->flags = &dp->skel->data_capture->capture_flags;
	out->snaplen = &dp->skel->data_capture->capture_snaplen;
	out->gen = &dp->skel->data_capture->capture_gen;
}
