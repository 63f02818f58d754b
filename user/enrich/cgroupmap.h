/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cgroupmap.h - cgroup v2 id -> container id -> pod uid, from the cgroup v2
 * tree (kubelet's systemd and cgroupfs drivers; containerd, CRI-O, Docker,
 * Podman names). A cgroup id is the inode number of the cgroup's directory
 * (the kernfs node id), which is what bpf_skb_cgroup_id() and
 * bpf_get_current_cgroup_id() return. See docs/process.md.
 *
 * Not thread safe: one owner (the collector thread).
 */
#ifndef NETTRAIL_CGROUPMAP_H
#define NETTRAIL_CGROUPMAP_H

#include <stddef.h>
#include <stdint.h>

#define NT_CONTAINER_ID_LEN 64 /* hex digits */
#define NT_POD_UID_MAX	    36 /* 8-4-4-4-12; static pods: 32 hex digits */

/* What one cgroup path says. */
struct nt_cgroup_ident {
	char container_id[NT_CONTAINER_ID_LEN + 1]; /* "" when none */
	char pod_uid[NT_POD_UID_MAX + 1];	    /* "" when none */
	const char *runtime;			    /* "containerd", "cri-o", "docker", "podman", or
	                      * "" (a bare id under a cgroupfs pod: containerd
	                      * and Docker look alike there); never NULL */
};

/*
 * nt_cgroup_parse_path - pure parsing of a cgroup v2 path relative to the
 * mount ("/kubepods.slice/.../cri-containerd-<64hex>.scope", leading '/'
 * optional). The innermost container component wins (a nested cgroup
 * inside a container scope belongs to that container). Returns 1 when a
 * container id or a pod uid was found, 0 otherwise (out is then cleared).
 */
int nt_cgroup_parse_path(const char *path, struct nt_cgroup_ident *out);

struct nt_cgroupmap;

/* cgroup_root: the cgroup v2 mount (NULL: discover from /proc/mounts).
 * Scans nothing until the first lookup. NULL on allocation failure or when
 * no cgroup v2 mount is found. */
struct nt_cgroupmap *nt_cgroupmap_new(const char *cgroup_root);

/*
 * Container id (64 hex or NULL) and pod uid (or NULL) for a cgroup id.
 * An unknown id makes it rescan the tree, at most once per
 * NT_CGROUPMAP_RESCAN_NS of now_ns (any monotonic clock in ns). Returns 0
 * when the id is a known cgroup (even one outside any container: both
 * NULL), -1 when it is not (both NULL). Returned strings are valid until
 * the next call that rescans.
 */
#define NT_CGROUPMAP_RESCAN_NS 1000000000ULL
int nt_cgroupmap_lookup(struct nt_cgroupmap *m, uint64_t cgroup_id, const char **container_id,
			const char **pod_uid, uint64_t now_ns);

/* The same, with the runtime and the cgroup's path relative to the mount
 * (path/runtime may be NULL). */
int nt_cgroupmap_lookup_full(struct nt_cgroupmap *m, uint64_t cgroup_id,
			     const struct nt_cgroup_ident **ident, const char **path,
			     uint64_t now_ns);

/* Walks the tree now (no rate limit). Returns the number of cgroups. */
int nt_cgroupmap_rescan(struct nt_cgroupmap *m, uint64_t now_ns);

/* Rescans so far, cgroups known. */
void nt_cgroupmap_stats(struct nt_cgroupmap *m, uint64_t *rescans, uint64_t *known);

/* The first cgroup2 mount point in /proc/mounts, copied into buf; NULL if
 * none (or it does not fit). */
const char *nt_cgroup_v2_mount(char *buf, size_t n);

/* The same from another mounts file (tests). */
const char *nt_cgroup_v2_mount_from(const char *mounts_file, char *buf, size_t n);

void nt_cgroupmap_free(struct nt_cgroupmap *m);

#endif /* NETTRAIL_CGROUPMAP_H */
