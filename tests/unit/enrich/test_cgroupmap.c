// SPDX-License-Identifier: BSD-2-Clause
/*
 * cgroup path -> container id, pod uid, runtime (every kubelet/runtime
 * naming form, exact strings); the cgroup v2 mount from a mounts file; the
 * cgroup id map over a real directory tree in $TMPDIR (inode numbers as ids,
 * rate-limited rescans, vanished cgroups kept a while); the canonical flow
 * key the socket programs build (include/nt_sock.h).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpdir.h"
#include "cgroupmap.h"
#include "nt_sock.h"

#define H64   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H64B  "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define UID   "0d7e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
#define UIDU  "0d7e1a2b_3c4d_4e5f_8a9b_0c1d2e3f4a5b"
#define UID32 "5e0a2c8e1b7d4f3a9c6b8d2e4f1a3c5b" /* static pod: manifest hash */

struct pcase {
	const char *path;
	int ret;
	const char *container, *pod, *runtime;
};

static const struct pcase cases[] = {
	/* kubelet systemd driver: containerd, CRI-O, Docker; every QoS class */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU
	  ".slice/cri-containerd-" H64 ".scope",
	  1, H64, UID, "containerd" },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UIDU
	  ".slice/crio-" H64 ".scope",
	  1, H64, UID, "cri-o" },
	{ "/kubepods.slice/kubepods-pod" UIDU ".slice/docker-" H64 ".scope", 1, H64, UID,
	  "docker" },
	{ "/kubepods.slice/kubepods-pod" UIDU ".slice/cri-containerd-" H64 ".scope", 1, H64, UID,
	  "containerd" },
	/* the pod's own slice (no container yet), and CRI-O's conmon */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU ".slice", 1, "",
	  UID, "" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU
	  ".slice/crio-conmon-" H64 ".scope",
	  1, "", UID, "" },
	/* a cgroup nested inside a container's scope belongs to it */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU
	  ".slice/cri-containerd-" H64 ".scope/init.scope",
	  1, H64, UID, "containerd" },
	/* static pods: 32 hex digits */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID32
	  ".slice/cri-containerd-" H64 ".scope",
	  1, H64, UID32, "containerd" },
	/* kubelet --cgroup-root=/kubelet.slice */
	{ "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	  "kubelet-kubepods-besteffort-pod" UIDU ".slice/cri-containerd-" H64 ".scope",
	  1, H64, UID, "containerd" },
	/* kubelet cgroupfs driver: burstable, besteffort, guaranteed */
	{ "/kubepods/burstable/pod" UID "/" H64, 1, H64, UID, "" },
	{ "/kubepods/besteffort/pod" UID "/" H64, 1, H64, UID, "" },
	{ "/kubepods/pod" UID "/" H64, 1, H64, UID, "" },
	{ "/kubepods/pod" UID32 "/" H64, 1, H64, UID32, "" },
	{ "/kubepods/burstable/pod" UID "/crio-" H64, 1, H64, UID, "cri-o" },
	{ "/kubepods/burstable/pod" UID, 1, "", UID, "" },
	{ "kubepods/burstable/pod" UID "/" H64, 1, H64, UID, "" },
	{ "/kubepods/burstable/pod" UID "/" H64 "/", 1, H64, UID, "" },
	/* no Kubernetes: Docker (systemd, cgroupfs), Podman */
	{ "/system.slice/docker-" H64 ".scope", 1, H64, "", "docker" },
	{ "/docker/" H64, 1, H64, "", "docker" },
	{ "/machine.slice/libpod-" H64 ".scope", 1, H64, "", "podman" },
	{ "/machine.slice/libpod-" H64 ".scope/container", 1, H64, "", "podman" },
	{ "/machine.slice/libpod-conmon-" H64 ".scope", 0, "", "", "" },
	{ "/libpod_parent/libpod-" H64, 1, H64, "", "podman" },
	/* nested: the innermost container wins */
	{ "/docker/" H64 "/docker/" H64B, 1, H64B, "", "docker" },
	/* not containers */
	{ "/", 0, "", "", "" },
	{ "", 0, "", "", "" },
	{ "/system.slice/ssh.service", 0, "", "", "" },
	{ "/user.slice/user-1000.slice/session-3.scope", 0, "", "", "" },
	{ "/kubepods.slice", 0, "", "", "" },
	{ "/kubepods.slice/kubepods-burstable.slice", 0, "", "", "" },
	{ "/kubepods/burstable", 0, "", "", "" },
	/* malformed: one hex digit short or long, capitals, wrong separators,
	 * pod outside kubepods */
	{ "/system.slice/docker-"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"
	  ".scope",
	  0, "", "", "" },
	{ "/system.slice/docker-" H64 "0.scope", 0, "", "", "" },
	{ "/system.slice/docker-"
	  "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"
	  ".scope",
	  0, "", "", "" },
	{ "/kubepods.slice/kubepods-pod" UID ".slice", 0, "", "", "" },
	{ "/kubepods/pod" UIDU "/x", 0, "", "", "" },
	{ "/other/pod" UID, 0, "", "", "" },
	{ "/kubepods/pod" UID "x", 0, "", "", "" },
};

Test(cgroup_parse, every_form)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *c = &cases[i];
		struct nt_cgroup_ident id;
		int r = nt_cgroup_parse_path(c->path, &id);

		cr_expect_eq(r, c->ret, "ret %d for %s", r, c->path);
		cr_expect_str_eq(id.container_id, c->container, "container of %s", c->path);
		cr_expect_str_eq(id.pod_uid, c->pod, "pod of %s", c->path);
		cr_assert_not_null(id.runtime);
		cr_expect_str_eq(id.runtime, c->runtime, "runtime of %s", c->path);
	}
}

Test(cgroup_parse, null_path)
{
	struct nt_cgroup_ident id;

	cr_expect_eq(nt_cgroup_parse_path(NULL, &id), 0);
	cr_expect_str_eq(id.container_id, "");
	cr_expect_str_eq(id.runtime, "");
}

static char *write_tmp(const char *text)
{
	static char path[512];
	FILE *f;
	int fd;

	nt_test_tmp(path, sizeof(path), "nt-mounts-XXXXXX");
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

Test(cgroup_mount, hybrid_pure_none)
{
	char buf[256], *p;

	p = write_tmp("sysfs /sys sysfs rw 0 0\n"
		      "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
		      "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n"
		      "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n");
	cr_expect_str_eq(nt_cgroup_v2_mount_from(p, buf, sizeof(buf)), "/sys/fs/cgroup/unified");
	unlink(p);
	p = write_tmp("cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n");
	cr_expect_str_eq(nt_cgroup_v2_mount_from(p, buf, sizeof(buf)), "/sys/fs/cgroup");
	cr_expect_null(nt_cgroup_v2_mount_from(p, buf, 5)); /* does not fit */
	unlink(p);
	p = write_tmp("cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n");
	cr_expect_null(nt_cgroup_v2_mount_from(p, buf, sizeof(buf)));
	unlink(p);
	cr_expect_null(nt_cgroup_v2_mount_from("/nonexistent/mounts", buf, sizeof(buf)));
}

/* ---- a real tree in $TMPDIR: both drivers, inode numbers as ids ---------- */

static char tree[512];

static void mk(const char *rel)
{
	char p[1024], *s;

	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	for (s = p + strlen(tree) + 1; *s; s++) {
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	}
	cr_assert(mkdir(p, 0755) == 0 || access(p, F_OK) == 0, "mkdir %s", p);
}

static uint64_t ino(const char *rel)
{
	char p[1024];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	cr_assert(stat(p, &st) == 0, "stat %s", p);
	return st.st_ino;
}

static void rm_tree(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	if (tree[0] && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tree);
}

#define SCOPE                                                                 \
	"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU \
	".slice/cri-containerd-" H64 ".scope"
#define CTRFS "kubepods/besteffort/pod" UID "/" H64B

static void setup_tree(void)
{
	nt_test_tmp(tree, sizeof(tree), "nt-cgtree-XXXXXX");
	cr_assert_not_null(mkdtemp(tree));
	mk(SCOPE);
	mk(CTRFS);
	mk("system.slice/ssh.service");
}

#define SEC 1000000000ULL

Test(cgroupmap, tmp_tree, .init = setup_tree, .fini = rm_tree)
{
	struct nt_cgroupmap *m = nt_cgroupmap_new(tree);
	const struct nt_cgroup_ident *id;
	const char *cid, *pod, *path;
	uint64_t rescans, known, t = 1000 * SEC;

	cr_assert_not_null(m);
	cr_expect_eq(nt_cgroupmap_lookup(m, ino(SCOPE), &cid, &pod, t), 0);
	cr_expect_str_eq(cid, H64);
	cr_expect_str_eq(pod, UID);
	cr_expect_eq(nt_cgroupmap_lookup_full(m, ino(SCOPE), &id, &path, t), 0);
	cr_expect_str_eq(id->runtime, "containerd");
	cr_expect_str_eq(path, "/" SCOPE);
	cr_expect_eq(nt_cgroupmap_lookup(m, ino(CTRFS), &cid, &pod, t), 0);
	cr_expect_str_eq(cid, H64B);
	cr_expect_str_eq(pod, UID);
	/* the pod's slice: pod, no container; a plain service; the root */
	cr_expect_eq(nt_cgroupmap_lookup(m,
					 ino("kubepods.slice/kubepods-burstable.slice/"
					     "kubepods-burstable-pod" UIDU ".slice"),
					 &cid, &pod, t),
		     0);
	cr_expect_null(cid);
	cr_expect_str_eq(pod, UID);
	cr_expect_eq(nt_cgroupmap_lookup(m, ino("system.slice/ssh.service"), &cid, &pod, t), 0);
	cr_expect_null(cid);
	cr_expect_null(pod);
	cr_expect_eq(nt_cgroupmap_lookup_full(m, ino("."), NULL, &path, t), 0);
	cr_expect_str_eq(path, "/");
	nt_cgroupmap_stats(m, &rescans, &known);
	cr_expect_eq(rescans, 1, "one scan served every lookup");
	cr_expect_eq(known, 11, "%llu directories", (unsigned long long)known);

	/* a new container: unknown, rescans at most once a second */
	mk("kubepods/besteffort/pod" UID "/crio-" H64);
	uint64_t newid = ino("kubepods/besteffort/pod" UID "/crio-" H64);

	cr_expect_eq(nt_cgroupmap_lookup(m, newid, &cid, &pod, t + SEC / 2), -1);
	cr_expect_null(cid);
	cr_expect_null(pod);
	nt_cgroupmap_stats(m, &rescans, NULL);
	cr_expect_eq(rescans, 1, "rate limited: no rescan within a second");
	cr_expect_eq(nt_cgroupmap_lookup_full(m, newid, &id, NULL, t + SEC), 0);
	cr_expect_str_eq(id->container_id, H64);
	cr_expect_str_eq(id->runtime, "cri-o");
	nt_cgroupmap_stats(m, &rescans, NULL);
	cr_expect_eq(rescans, 2);

	/* a container that exits is still known for a while (its last
	 * flows), then forgotten */
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", tree, CTRFS);
	uint64_t goneid = ino(CTRFS);

	cr_assert(rmdir(p) == 0);
	cr_expect_eq(nt_cgroupmap_rescan(m, t + 2 * SEC), 11); /* 12 - 1 */
	cr_expect_eq(nt_cgroupmap_lookup(m, goneid, &cid, &pod, t + 2 * SEC), 0);
	cr_expect_str_eq(cid, H64B);
	nt_cgroupmap_rescan(m, t + 400 * SEC);
	cr_expect_eq(nt_cgroupmap_lookup(m, goneid, &cid, &pod, t + 400 * SEC), -1);
	nt_cgroupmap_free(m);
}

Test(cgroupmap, missing_root)
{
	struct nt_cgroupmap *m = nt_cgroupmap_new("/nonexistent-cgroup-root");
	const char *cid = "x", *pod = "x";

	cr_assert_not_null(m);
	cr_expect_eq(nt_cgroupmap_lookup(m, 1, &cid, &pod, 5 * SEC), -1);
	cr_expect_null(cid);
	cr_expect_null(pod);
	nt_cgroupmap_free(m);
	nt_cgroupmap_free(NULL);
}

/* ---- the canonical key (nt_sock_make_key wraps include/nettrail.h's nt_flow_key_make, the one builder both BPF programs use) ---- */

static void v4(__u32 *a, const char *s)
{
	a[0] = a[1] = 0;
	a[2] = htonl(0xffff);
	inet_pton(AF_INET, s, &a[3]);
}

Test(sock_key, canonical_order)
{
	struct nt_flow_key k;
	__u32 a[4], b[4];
	unsigned char want[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 };

	memset(&k, 0xaa, sizeof(k));
	v4(a, "10.0.0.2");
	v4(b, "10.0.0.1");
	/* the lower address is side 0 whatever the ports */
	cr_expect_eq(nt_sock_make_key(&k, a, b, 80, 40000, 6, 4), 1);
	cr_expect_arr_eq(k.addr[0], want, 16);
	cr_expect_eq(k.port[0], 40000);
	cr_expect_eq(k.port[1], 80);
	cr_expect_eq(k.proto, 6);
	cr_expect_eq(k.ip_version, 4);
	cr_expect_eq(k.icmp_echo, 0);
	cr_expect_eq(k._pad, 0);
	cr_expect_eq(nt_sock_make_key(&k, b, a, 40000, 80, 6, 4), 0);
	cr_expect_arr_eq(k.addr[0], want, 16);
	/* numeric, not byte-wise little-endian: 10.0.1.0 > 10.0.0.255 */
	v4(a, "10.0.1.0");
	v4(b, "10.0.0.255");
	cr_expect_eq(nt_sock_make_key(&k, a, b, 1, 2, 17, 4), 1);
	/* equal addresses: the lower port first */
	v4(a, "127.0.0.1");
	v4(b, "127.0.0.1");
	cr_expect_eq(nt_sock_make_key(&k, a, b, 5000, 4000, 17, 4), 1);
	cr_expect_eq(k.port[0], 4000);
	cr_expect_eq(nt_sock_make_key(&k, a, b, 4000, 5000, 17, 4), 0);
	cr_expect_eq(k.port[0], 4000);
	/* IPv6: ::1 vs fe80::1 */
	inet_pton(AF_INET6, "fe80::1", a);
	inet_pton(AF_INET6, "::1", b);
	cr_expect_eq(nt_sock_make_key(&k, a, b, 1, 2, 6, 6), 1);
	cr_expect_eq(k.ip_version, 6);
	cr_expect_arr_eq(k.addr[0], b, 16);
}
