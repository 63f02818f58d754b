/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * loader.h - loads the BPF datapath and attaches it to interfaces.
 *
 * Owns the skeleton, the set of known interfaces (index -> name, kept after
 * an interface vanishes so late reports still name it), the TC filters this
 * process added, and a netlink socket that tells it about new and vanished
 * links while it runs.
 */
#ifndef NT_LOADER_H
#define NT_LOADER_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "nettrail.h"

/* Our TC filter identity: handle 0x4e54 ("NT") at priority 1 on clsact. */
#define NT_TC_HANDLE 0x4e54
#define NT_TC_PRIO   1

/* How the TC programs are attached (--attach): tcx links (kernel >= 6.6),
 * the clsact qdisc, or tcx with clsact where the kernel has no tcx. */
enum nt_attach_mode { NT_ATTACH_AUTO, NT_ATTACH_TCX, NT_ATTACH_TC };

struct nt_iface {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	bool attached;
	bool created_qdisc; /* we made clsact: we remove it */
	int link_fd[2];	    /* tcx: the ingress and egress links (else -1) */
	bool l3;	    /* no link-layer header (tun, wg) */
	bool gone;
};

struct flow_bpf;

/* How translated connections are checked with conntrack (nat_progs) */
enum nt_nat_ct {
	NT_NAT_CT_NONE,	  /* not: no kfuncs, --nat-link off, offline */
	NT_NAT_CT_SKB,	  /* tc_nat_ct: the packet's own nf_conn (kernel >= 6.3) */
	NT_NAT_CT_LOOKUP, /* tc_nat_ct_lookup: bpf_skb_ct_lookup */
};

struct nt_datapath {
	struct flow_bpf *skel;
	const char *patterns; /* --interface, NULL: all up non-lo */
	struct nt_iface *ifaces;
	size_t n_ifaces, cap_ifaces;
	int nl_fd; /* link notifications, -1 if none */
	uint64_t attach_errors;
	enum nt_attach_mode attach;    /* --attach; AUTO becomes TC when tcx is refused */
	char pcap_name[64];	       /* offline: the capture's base name */
	enum nt_nat_ct nat_ct;	       /* translated halves are linked, and how */
	struct nt_syn_slot *syn_slots; /* the SYN slots, mmapped (NULL: none) */
	uint32_t n_syn_slots;
	size_t syn_slots_len;  /* bytes mapped */
	uint32_t *tcp_present; /* the table's TCP entries by key hash, mmapped */
	uint32_t n_tcp_present;
	size_t tcp_present_len;
};

/* Before load: which conntrack program of skel loads (autoload), with the
 * .rodata it needs. Returns 0, or -ENOENT when this kernel cannot load
 * tc_nat_ct (no struct nf_conn in vmlinux's BTF). */
int nt_dp_ct_prepare(struct flow_bpf *skel, enum nt_nat_ct ct);

/* Opens and loads the programs with the configuration in .rodata.
 * Returns 0, or -1 with a message in err. */
int nt_dp_open(struct nt_datapath *dp, const struct nt_config *cfg, bool pcap_mode, char *err,
	       size_t errlen);

/* Attaches to every matching interface and subscribes to link changes.
 * Fails (-1, message) for an explicitly named interface that does not
 * exist or cannot be attached. */
int nt_dp_attach_all(struct nt_datapath *dp, char *err, size_t errlen);

/* Handles pending link notifications (attach new, forget vanished). */
void nt_dp_netlink_handle(struct nt_datapath *dp);

/* The capture path's maps (bpf/lib/capture.bpf.h), for user/capture/. */
struct nt_dp_capture {
	int ring_fd, drops_fd, addr_fd, iface_fd;
	volatile uint32_t *flags, *snaplen, *gen; /* .data.capture, mmapped */
};
void nt_dp_capture(struct nt_datapath *dp, struct nt_dp_capture *out);

/* Removes every filter (and qdisc) this process added. */
void nt_dp_detach_all(struct nt_datapath *dp);

void nt_dp_close(struct nt_datapath *dp);

/* nt_ifname_fn: the interface's name, or its index as text. */
const char *nt_dp_ifname(void *dp, uint32_t ifindex);

/* NULL-terminated list of attached interface names (static storage,
 * valid until the next call). */
const char *const *nt_dp_attached_names(struct nt_datapath *dp);

int nt_dp_flows_fd(const struct nt_datapath *dp);
int nt_dp_stats_fd(const struct nt_datapath *dp);
int nt_dp_events_fd(const struct nt_datapath *dp);
/* closed flows that a new SYN replaced while the events ring was full */
int nt_dp_ended_fd(const struct nt_datapath *dp);
int nt_dp_samples_fd(const struct nt_datapath *dp);
/* The TLS certificate sampling map (struct nt_cert_key -> bytes left). */
int nt_dp_tls_cert_fd(const struct nt_datapath *dp);
/* Ends the kernel's certificate sampling of a flow direction (ctx: the
 * struct nt_datapath; the payload stage's stop callback). */
void nt_dp_cert_stop(void *ctx, const struct nt_flow_key *k, int side);
/* translated connections (bpf/lib/nat.bpf.h): translated key -> primary,
 * and primary -> translated */
int nt_dp_nat_links_fd(const struct nt_datapath *dp);
int nt_dp_nat_flows_fd(const struct nt_datapath *dp);
/* A flow's NAT addresses: 0 and *out, or -1 (for the DNS records). */
int nt_dp_nat_get(void *dp, const struct nt_flow_key *k, struct nt_nat *out);
int nt_dp_prog_fd(const struct nt_datapath *dp, const char *name);

#endif
