// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * driver.c - the sockattr suite (tests/suites/sockattr.sh compiles it):
 * real kernel objects, real cgroups, real sockets.
 *
 *   1. nt_sockattr_open() on the cgroup v2 mount found in /proc/mounts.
 *   2. kubelet-shaped cgroups under a test directory of the mount:
 *      systemd driver  .../kubepods.slice/kubepods-burstable.slice/
 *                      kubepods-burstable-pod<uid_>.slice/cri-containerd-<64hex>.scope
 *      cgroupfs driver .../kubepods/burstable/pod<uid>/<64hex>
 *   3. child "client" in the systemd scope (comm nt-sa-client, uid 4242):
 *      TCP to 127.0.0.1 and [::1], UDP sendto (v4, v6), connected UDP,
 *      a 1,000-datagram burst; optionally TCP across a veth pair between
 *      two network namespaces (argv: client netns, server netns, server
 *      address) - a pod talking to another pod.
 *   4. child "server" in the cgroupfs container: accepts one TCP connection
 *      from the driver (root cgroup): inbound, cgroup but no process.
 *   5. after nt_sockattr_poll(): every flow key (built here independently of
 *      nt_sock_make_key) has exactly the expected pid, comm, uid, cgroup id
 *      and local side; nt_cgroupmap_lookup() gives the container id and pod
 *      uid; the programs use only their own maps (nothing of flow.bpf.c).
 *   6. cleanup: children gone, cgroups removed, programs detached.
 *
 * Prints "ok ..." / "FAIL ..." per check and "N passed, M failed" last.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cgroupmap.h"
#include "sockattr.h"
#include "sock.skel.h"
#include "flow.skel.h"

static int passed, failed;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void rand_hex(char *out, size_t n)
{
	static const char h[] = "0123456789abcdef";
	unsigned char b;
	int fd = open("/dev/urandom", O_RDONLY);

	for (size_t i = 0; i < n; i++) {
		if (fd < 0 || read(fd, &b, 1) != 1)
			b = (unsigned char)rand();
		out[i] = h[b & 15];
	}
	out[n] = 0;
	if (fd >= 0)
		close(fd);
}

static void rand_uid(char *out) /* 8-4-4-4-12 */
{
	rand_hex(out, 36);
	out[8] = out[13] = out[18] = out[23] = '-';
}

static int mkdirs(const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

static uint64_t ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint64_t)st.st_ino;
}

static uint64_t handle_id(const char *path)
{
	struct {
		struct file_handle fh;
		unsigned char buf[64];
	} h;
	int mnt;
	uint64_t id = 0;

	h.fh.handle_bytes = sizeof(h.buf);
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, 0))
		return 0;
	if (h.fh.handle_bytes >= 8)
		memcpy(&id, h.fh.f_handle, 8);
	return id;
}

/* The driver's own cgroup v2 id (its sockets' cgroup): 0::<path>. */
static uint64_t self_cgroup(const char *root)
{
	char line[4096], p[8300];
	uint64_t id = 0;
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(p, sizeof(p), "%s%s", root, line + 3);
		id = ino_of(p);
	}
	fclose(f);
	return id;
}

static int join_cgroup(const char *dir)
{
	char p[4200];
	int fd, r;

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	fd = open(p, O_WRONLY);
	if (fd < 0)
		return -1;
	r = dprintf(fd, "%d\n", getpid()) > 0 ? 0 : -1;
	close(fd);
	return r;
}

static int join_netns(const char *path)
{
	int fd, r;

	if (!path || !*path)
		return 0;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	r = setns(fd, CLONE_NEWNET);
	close(fd);
	return r;
}

/* ---- sockets ------------------------------------------------------- */

static int listen_on(int family, const char *addr, uint16_t *port, int type)
{
	struct sockaddr_storage ss = {};
	socklen_t sl;
	int fd = socket(family, type | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &a->sin_addr);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &a->sin6_addr);
		sl = sizeof(*a);
	}
	if (bind(fd, (void *)&ss, sl) || (type == SOCK_STREAM && listen(fd, 16))) {
		close(fd);
		return -1;
	}
	sl = sizeof(ss);
	getsockname(fd, (void *)&ss, &sl);
	*port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
					  ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static socklen_t mkaddr(int family, const char *addr, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, addr, &a->sin_addr);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a = (void *)ss;

	a->sin6_family = AF_INET6;
	a->sin6_port = htons(port);
	inet_pton(AF_INET6, addr, &a->sin6_addr);
	return sizeof(*a);
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (void *)&ss, &sl))
		return 0;
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
					       ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* TCP connect (on fd, or a new socket when fd < 0), send, read the echo;
 * the local port or 0. */
static uint16_t tcp_exchange_fd(int fd, int family, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = mkaddr(family, addr, port, &ss);
	char buf[16];
	uint16_t lp = 0;

	if (fd < 0)
		fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (connect(fd, (void *)&ss, sl) == 0 && write(fd, "hello", 5) == 5 &&
	    read(fd, buf, sizeof(buf)) > 0)
		lp = local_port(fd);
	close(fd);
	return lp;
}

static uint16_t tcp_exchange(int family, const char *addr, uint16_t port)
{
	return tcp_exchange_fd(-1, family, addr, port);
}

/* The expected key, built here the plain way (not nt_sock_make_key). */
static struct nt_flow_key expect_key(int family, const char *a, uint16_t pa, const char *b,
				     uint16_t pb, int proto, int *side_of_a)
{
	struct nt_flow_key k;
	unsigned char x[16] = {}, y[16] = {};
	int c;

	memset(&k, 0, sizeof(k));
	if (family == AF_INET) {
		x[10] = x[11] = y[10] = y[11] = 0xff;
		inet_pton(AF_INET, a, x + 12);
		inet_pton(AF_INET, b, y + 12);
	} else {
		inet_pton(AF_INET6, a, x);
		inet_pton(AF_INET6, b, y);
	}
	c = memcmp(x, y, 16);
	*side_of_a = c > 0 || (c == 0 && pa > pb);
	memcpy(k.addr[*side_of_a], x, 16);
	memcpy(k.addr[!*side_of_a], y, 16);
	k.port[*side_of_a] = pa;
	k.port[!*side_of_a] = pb;
	k.proto = (uint8_t)proto;
	k.ip_version = family == AF_INET ? 4 : 6;
	return k;
}

/* ---- the client child ---------------------------------------------- */

struct client_report {
	uint16_t tcp4, tcp6, udp4, udp6, cudp4, burst4, tcpns;
	int err;
	char what[128];
};

struct targets {
	uint16_t tcp4, tcp6, udp4, udp6;
	const char *ns_client, *ns_server_addr;
	uint16_t tcpns;
};

static uint16_t udp_send(int family, const char *addr, uint16_t port, int connected, int count)
{
	struct sockaddr_storage ss;
	socklen_t sl = mkaddr(family, addr, port, &ss);
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint16_t lp = 0;

	if (fd < 0)
		return 0;
	if (connected) {
		if (connect(fd, (void *)&ss, sl))
			goto out;
		for (int i = 0; i < count; i++)
			if (send(fd, "ping", 4, 0) != 4)
				goto out;
	} else {
		for (int i = 0; i < count; i++)
			if (sendto(fd, "ping", 4, 0, (void *)&ss, sl) != 4)
				goto out;
	}
	lp = local_port(fd);
out:
	close(fd);
	return lp;
}

static void client_main(const char *cg, const struct targets *t, int wfd)
{
	struct client_report r = {};
	int nsock = -1;

#define BAIL(msg)                                            \
	do {                                                 \
		r.err = errno;                               \
		snprintf(r.what, sizeof(r.what), "%s", msg); \
		goto out;                                    \
	} while (0)
	if (join_cgroup(cg))
		BAIL("join cgroup");
	prctl(PR_SET_NAME, "nt-sa-client");
	if (t->ns_client) {
		/* a socket of the client namespace (a pod's), made while this
		 * process may still enter it; connected below as uid 4242 */
		int self = open("/proc/self/ns/net", O_RDONLY);

		if (self < 0 || join_netns(t->ns_client))
			BAIL("setns client");
		nsock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (setns(self, CLONE_NEWNET) || nsock < 0)
			BAIL("socket in the client netns");
		close(self);
	}
	if (setresgid(4242, 4242, 4242) || setresuid(4242, 4242, 4242))
		BAIL("setuid 4242");
	if (!(r.tcp4 = tcp_exchange(AF_INET, "127.0.0.1", t->tcp4)))
		BAIL("tcp4");
	if (!(r.tcp6 = tcp_exchange(AF_INET6, "::1", t->tcp6)))
		BAIL("tcp6");
	if (!(r.udp4 = udp_send(AF_INET, "127.0.0.1", t->udp4, 0, 1)))
		BAIL("udp4");
	if (!(r.udp6 = udp_send(AF_INET6, "::1", t->udp6, 0, 1)))
		BAIL("udp6");
	if (!(r.cudp4 = udp_send(AF_INET, "127.0.0.1", t->udp4, 1, 3)))
		BAIL("connected udp4");
	if (!(r.burst4 = udp_send(AF_INET, "127.0.0.1", t->udp4, 0, 1000)))
		BAIL("udp4 burst");
	if (t->ns_client) {
		/* the client namespace's socket: same cgroup and process */
		if (!(r.tcpns = tcp_exchange_fd(nsock, AF_INET, t->ns_server_addr, t->tcpns)))
			BAIL("tcp across the veth pair");
	}
out:
	if (write(wfd, &r, sizeof(r)) != sizeof(r))
		_exit(3);
	_exit(r.err ? 1 : 0);
#undef BAIL
}

/* ---- the server child (inbound) ------------------------------------ */

static void server_main(const char *cg, int wfd)
{
	uint16_t port = 0;
	char buf[16];
	int lfd, c;

	if (join_cgroup(cg))
		_exit(2);
	prctl(PR_SET_NAME, "nt-sa-server");
	if (setresgid(4243, 4243, 4243) || setresuid(4243, 4243, 4243))
		_exit(2);
	lfd = listen_on(AF_INET, "127.0.0.1", &port, SOCK_STREAM);
	if (write(wfd, &port, sizeof(port)) != sizeof(port) || lfd < 0)
		_exit(2);
	c = accept(lfd, NULL, NULL);
	if (c < 0 || read(c, buf, sizeof(buf)) <= 0 || write(c, "bye", 3) != 3)
		_exit(2);
	close(c);
	close(lfd);
	_exit(0);
}

/* The driver's side of the client's exchanges: echo servers. */
static void serve(int tcp4, int tcp6, int nsfd, int stop_fd)
{
	for (;;) {
		fd_set rs;
		int fds[3] = { tcp4, tcp6, nsfd }, max = stop_fd;

		FD_ZERO(&rs);
		FD_SET(stop_fd, &rs);
		for (int i = 0; i < 3; i++) {
			if (fds[i] < 0)
				continue;
			FD_SET(fds[i], &rs);
			if (fds[i] > max)
				max = fds[i];
		}
		if (select(max + 1, &rs, NULL, NULL, NULL) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (FD_ISSET(stop_fd, &rs))
			return;
		for (int i = 0; i < 3; i++) {
			char buf[64];
			int c;

			if (fds[i] < 0 || !FD_ISSET(fds[i], &rs))
				continue;
			c = accept(fds[i], NULL, NULL);
			if (c < 0)
				continue;
			if (read(c, buf, sizeof(buf)) > 0 && write(c, "hi", 2) != 2)
				perror("write");
			close(c);
		}
	}
}

/* flow.bpf.c's TC programs on IFNAME of netns NS (the server pod's eth0):
 * the counters whose keys the attributions must match. */
static struct flow_bpf *tc_attach_in_ns(const char *ns, const char *ifname)
{
	struct flow_bpf *fb = NULL;
	int self = open("/proc/self/ns/net", O_RDONLY), ok = 0;

	if (self < 0 || join_netns(ns))
		goto out;
	fb = flow_bpf__open_and_load();
	if (fb) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex(ifname),
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, in, .handle = 0x4e54, .priority = 1);
		LIBBPF_OPTS(bpf_tc_opts, eg, .handle = 0x4e54, .priority = 1);
		int r = bpf_tc_hook_create(&hook);

		in.prog_fd = bpf_program__fd(fb->progs.tc_ingress);
		eg.prog_fd = bpf_program__fd(fb->progs.tc_egress);
		if (r == 0 || r == -EEXIST) {
			hook.attach_point = BPF_TC_INGRESS;
			if (bpf_tc_attach(&hook, &in) == 0) {
				hook.attach_point = BPF_TC_EGRESS;
				ok = bpf_tc_attach(&hook, &eg) == 0;
			}
		}
	}
	if (setns(self, CLONE_NEWNET))
		ok = 0;
out:
	if (self >= 0)
		close(self);
	if (!ok && fb) {
		flow_bpf__destroy(fb);
		fb = NULL;
	}
	return fb;
}

/* The TC flow entry with these two ports, if any (key copied to *k). */
static int tc_flow(struct flow_bpf *fb, uint16_t pa, uint16_t pb, struct nt_flow_key *k,
		   struct nt_flow_val *v)
{
	int fd = bpf_map__fd(fb->maps.flows);
	struct nt_flow_key cur, next;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		cur = next;
		prev = &cur;
		if (cur.proto == 6 &&
		    ((cur.port[0] == pa && cur.port[1] == pb) ||
		     (cur.port[0] == pb && cur.port[1] == pa)) &&
		    bpf_map_lookup_elem(fd, &cur, v) == 0) {
			*k = cur;
			return 1;
		}
	}
	return 0;
}

/* ---- attribution checks -------------------------------------------- */

static void expect_attr(struct nt_sockattr *s, const char *name, const struct nt_flow_key *k,
			int side, uint64_t cg, int has_proc, uint32_t pid, uint32_t uid,
			const char *comm)
{
	const struct nt_sock_attr *a = nt_sockattr_find_side(s, k, side);

	if (!a) {
		check(0, "%s: no attribution for key side %d", name, side);
		return;
	}
	check(a->local_side == side && a->cgroup_id == cg && a->has_proc == has_proc &&
		      a->pid == pid && a->uid == uid && strcmp(a->comm, comm) == 0 &&
		      a->sock_cookie != 0,
	      "%s: side %d cgroup %llu (want %llu) has_proc %u (want %d) "
	      "pid %u (want %u) uid %u (want %u) comm '%s' (want '%s') cookie %llu",
	      name, a->local_side, (unsigned long long)a->cgroup_id, (unsigned long long)cg,
	      a->has_proc, has_proc, a->pid, pid, a->uid, uid, a->comm, comm,
	      (unsigned long long)a->sock_cookie);
}

/* Loaded programs named like two of ours. */
static int count_ours(void)
{
	__u32 id = 0;
	int n = 0;

	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info pi = {};
		__u32 len = sizeof(pi);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &pi, &len) == 0 &&
		    (strcmp(pi.name, "nt_skb_egress") == 0 || strcmp(pi.name, "nt_connect4") == 0))
			n++;
		close(fd);
	}
	return n;
}

static void check_maps(struct nt_sockattr *s)
{
	/* every map any attached program uses must be one of sock.bpf.c's:
	 * the attribution programs cannot touch flow.bpf.c's counters */
	__u32 id = 0;
	int progs = 0, bad = 0, maps = 0;
	char names[512] = "";

	(void)s;
	while (bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info pi = {};
		__u32 map_ids[16], len = sizeof(pi);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		pi.nr_map_ids = 16;
		pi.map_ids = (__u64)(unsigned long)map_ids;
		if (bpf_obj_get_info_by_fd(fd, &pi, &len) == 0 &&
		    strncmp(pi.name, "nt_skb_", 7) == 0 && (size_t)pi.load_time > 0) {
			progs++;
			for (__u32 i = 0; i < pi.nr_map_ids && i < 16; i++) {
				struct bpf_map_info mi = {};
				__u32 ml = sizeof(mi);
				int mfd = bpf_map_get_fd_by_id(map_ids[i]);

				if (mfd < 0)
					continue;
				if (bpf_obj_get_info_by_fd(mfd, &mi, &ml) == 0) {
					maps++;
					if (strncmp(mi.name, "sock_", 5) != 0 &&
					    strcmp(mi.name, "sk_state") != 0)
						bad++;
					if (strlen(names) + strlen(mi.name) + 2 < sizeof(names)) {
						strcat(names, mi.name);
						strcat(names, " ");
					}
				}
				close(mfd);
			}
		}
		close(fd);
	}
	check(progs >= 2 && bad == 0 && maps > 0,
	      "not counted twice: the cgroup_skb programs use only their own maps (%s)", names);
}

/* ---- bench: per-packet cost (not part of the suite's checks) -------- */

#include <linux/bpf.h>
#include <netinet/tcp.h>

static double bench_udp(int n, int connected, int alternate)
{
	struct sockaddr_storage d1, d2;
	uint16_t p1, p2;
	int r1 = listen_on(AF_INET, "127.0.0.1", &p1, SOCK_DGRAM);
	int r2 = listen_on(AF_INET, "127.0.0.1", &p2, SOCK_DGRAM);
	socklen_t sl = mkaddr(AF_INET, "127.0.0.1", p1, &d1);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 1 << 24;
	uint64_t t0;

	mkaddr(AF_INET, "127.0.0.1", p2, &d2);
	setsockopt(r1, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (connected && connect(fd, (void *)&d1, sl))
		return -1;
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		char b[64];

		if (connected) {
			if (send(fd, "x", 1, 0) != 1)
				return -1;
		} else if (sendto(fd, "x", 1, 0, (void *)(alternate && (i & 1) ? &d2 : &d1), sl) !=
			   1) {
			return -1;
		}
		/* drain so the receiver never drops (both paths identical) */
		while (recv(r1, b, sizeof(b), MSG_DONTWAIT) > 0)
			;
		while (alternate && recv(r2, b, sizeof(b), MSG_DONTWAIT) > 0)
			;
	}
	t0 = now_ns() - t0;
	close(fd);
	close(r1);
	close(r2);
	return (double)t0 / n;
}

static double bench_tcp(int n)
{
	uint16_t port;
	int l = listen_on(AF_INET, "127.0.0.1", &port, SOCK_STREAM), one = 1;
	struct sockaddr_storage ss;
	socklen_t sl = mkaddr(AF_INET, "127.0.0.1", port, &ss);
	int c = socket(AF_INET, SOCK_STREAM, 0), a;
	uint64_t t0;
	char b[256];

	if (connect(c, (void *)&ss, sl))
		return -1;
	a = accept(l, NULL, NULL);
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		/* one segment each way per round: a request/response loop */
		if (write(c, "x", 1) != 1 || read(a, b, sizeof(b)) <= 0 || write(a, "y", 1) != 1 ||
		    read(c, b, sizeof(b)) <= 0)
			return -1;
	}
	t0 = now_ns() - t0;
	close(c);
	close(a);
	close(l);
	return (double)t0 / n;
}

struct prog_run {
	char name[16];
	__u64 cnt, ns;
};

static int prog_runs(struct prog_run *r, int max)
{
	__u32 id = 0;
	int n = 0;

	while (n < max && bpf_prog_get_next_id(id, &id) == 0) {
		struct bpf_prog_info pi = {};
		__u32 len = sizeof(pi);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &pi, &len) == 0 && strncmp(pi.name, "nt_", 3) == 0 &&
		    pi.type != BPF_PROG_TYPE_SCHED_CLS) {
			snprintf(r[n].name, sizeof(r[n].name), "%s", pi.name);
			r[n].cnt = pi.run_cnt;
			r[n].ns = pi.run_time_ns;
			n++;
		}
		close(fd);
	}
	return n;
}

static double bench_case(int k, int n)
{
	double v = 1e18;

	for (int t = 0; t < 5; t++) {
		double x = k == 3 ? bench_tcp(n / 4) : bench_udp(n, k == 2, k == 1);

		if (x > 0 && x < v)
			v = x;
	}
	return v;
}

static int bench_main(int n)
{
	static const char *names[] = { "udp sendto, unconnected, one peer",
				       "udp sendto, unconnected, two peers alternating",
				       "udp send, connected",
				       "tcp 1-byte ping-pong round (2 data segments)" };
	double base[4], empty[4], with[4];
	char err[256];
	struct nt_sockattr *s;
	struct sock_bpf *e;
	struct bpf_link *l[3];
	int cg;

	if (!nt_cgroup_v2_mount(err, sizeof(err)) || (cg = open(err, O_RDONLY)) < 0)
		return 1;
	printf("%d ops per run, best of 5; one CPU (taskset)\n", n);
	for (int k = 0; k < 4; k++)
		base[k] = bench_case(k, n);

	/* baseline: empty programs at the same hooks */
	e = sock_bpf__open();
	if (!e)
		return 1;
	for (struct bpf_program *p = NULL; (p = bpf_object__next_program(e->obj, p));)
		bpf_program__set_autoload(p, p == e->progs.nt_skb_empty ||
						     p == e->progs.nt_sendmsg_empty);
	if (sock_bpf__load(e))
		return 1;
	l[0] = bpf_program__attach_cgroup(e->progs.nt_skb_empty, cg);
	/* the same program at ingress: attach by link with that type */
	{
		LIBBPF_OPTS(bpf_link_create_opts, o);
		int lfd = bpf_link_create(bpf_program__fd(e->progs.nt_skb_empty), cg,
					  BPF_CGROUP_INET_INGRESS, &o);

		l[1] = NULL;
		if (lfd < 0) {
			perror("ingress link");
			return 1;
		}
		l[2] = bpf_program__attach_cgroup(e->progs.nt_sendmsg_empty, cg);
		for (int k = 0; k < 4; k++)
			empty[k] = bench_case(k, n);
		close(lfd);
	}
	bpf_link__destroy(l[0]);
	bpf_link__destroy(l[2]);
	sock_bpf__destroy(e);

	s = nt_sockattr_open(NULL, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (int k = 0; k < 4; k++) {
		with[k] = bench_case(k, n);
		nt_sockattr_poll(s);
	}
	for (int k = 0; k < 4; k++)
		printf("%-48s none %6.0f ns  empty progs %6.0f ns (%+4.0f)  "
		       "nettrail %6.0f ns (%+4.0f) per op\n",
		       names[k], base[k], empty[k], empty[k] - base[k], with[k], with[k] - base[k]);

	/* in-kernel run time per program run, per case (the run-time
	 * statistics themselves add two clock reads per run) */
	int sfd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	for (int k = 0; k < 4; k++) {
		struct prog_run a[16], b[16];
		int na = prog_runs(a, 16), nb;

		if (k == 3)
			bench_tcp(n / 4);
		else
			bench_udp(n, k == 2, k == 1);
		nb = prog_runs(b, 16);
		printf("  %s:", names[k]);
		for (int i = 0; i < nb && i < na; i++)
			if (b[i].cnt > a[i].cnt)
				printf(" %s %.1f ns x %llu", b[i].name,
				       (double)(b[i].ns - a[i].ns) / (double)(b[i].cnt - a[i].cnt),
				       (unsigned long long)(b[i].cnt - a[i].cnt));
		printf("\n");
		nt_sockattr_poll(s);
	}
	if (sfd >= 0)
		close(sfd);
	nt_sockattr_close(s);
	close(cg);
	return 0;
}

/* what the attribution run's steps share */
struct sa_run {
	/* optional: client netns, server netns, server address, client address */
	const char *ns_client, *ns_server, *ns_addr, *ns_client_addr;
	char root[4096], base[4200], scope[4400], podfs[4400], ctrfs[4400], hex1[65], hex2[65],
		uid1[37], uid1s[37], uid2[37];
	struct nt_sockattr *s;
	struct flow_bpf *fb;
	struct client_report rep;
	struct targets t;
	struct nt_sockattr_stats st0, st1;
	uint64_t cg_scope, cg_ctr, cg_root;
	int tcp4, tcp6, udp4, udp6, nsfd;
	pid_t client;
	uint16_t sport, dport;
};

/* kubelet-shaped cgroups, under a test directory */
static void make_cgroups(struct sa_run *r)
{
	rand_hex(r->hex1, 64);
	rand_hex(r->hex2, 64);
	rand_uid(r->uid1);
	rand_uid(r->uid2);
	snprintf(r->uid1s, sizeof(r->uid1s), "%s", r->uid1);
	for (char *c = r->uid1s; *c; c++)
		if (*c == '-')
			*c = '_';
	snprintf(r->base, sizeof(r->base), "%s/nettrail-test-%d", r->root, getpid());
	snprintf(r->scope, sizeof(r->scope),
		 "%s/kubepods.slice/kubepods-burstable.slice/"
		 "kubepods-burstable-pod%s.slice/cri-containerd-%s.scope",
		 r->base, r->uid1s, r->hex1);
	snprintf(r->podfs, sizeof(r->podfs), "%s/kubepods/burstable/pod%s", r->base, r->uid2);
	snprintf(r->ctrfs, sizeof(r->ctrfs), "%.4300s/%s", r->podfs, r->hex2);
	check(mkdirs(r->scope) == 0 && mkdirs(r->ctrfs) == 0, "created %s and %s",
	      r->scope + strlen(r->root), r->ctrfs + strlen(r->root));
	r->cg_scope = ino_of(r->scope);
	r->cg_ctr = ino_of(r->ctrfs);
	r->cg_root = self_cgroup(r->root);
	check(r->cg_scope && r->cg_scope == handle_id(r->scope) && r->cg_ctr == handle_id(r->ctrfs),
	      "cgroup id = inode = name_to_handle_at id (%llu, %llu)",
	      (unsigned long long)r->cg_scope, (unsigned long long)r->cg_ctr);
}

/* the driver's listeners (root cgroup, in the initial netns) */
static void open_listeners(struct sa_run *r)
{
	struct targets *t = &r->t;

	r->tcp4 = listen_on(AF_INET, "127.0.0.1", &t->tcp4, SOCK_STREAM);
	r->tcp6 = listen_on(AF_INET6, "::1", &t->tcp6, SOCK_STREAM);
	r->udp4 = listen_on(AF_INET, "127.0.0.1", &t->udp4, SOCK_DGRAM);
	r->udp6 = listen_on(AF_INET6, "::1", &t->udp6, SOCK_DGRAM);
	if (r->ns_client) {
		int self = open("/proc/self/ns/net", O_RDONLY);

		if (join_netns(r->ns_server) == 0) {
			r->nsfd = listen_on(AF_INET, r->ns_addr, &t->tcpns, SOCK_STREAM);
			if (setns(self, CLONE_NEWNET))
				perror("setns back");
		}
		close(self);
		t->ns_client = r->ns_client;
		t->ns_server_addr = r->ns_addr;
		check(r->nsfd >= 0, "listener in netns %s on %s:%u", r->ns_server, r->ns_addr,
		      t->tcpns);
		r->fb = tc_attach_in_ns(r->ns_server, "eth0");
		check(r->fb != NULL, "flow.bpf.c TC programs on eth0 of %s", r->ns_server);
	}
	check(r->tcp4 >= 0 && r->tcp6 >= 0 && r->udp4 >= 0 && r->udp6 >= 0,
	      "listeners 127.0.0.1:%u [::1]:%u udp 127.0.0.1:%u [::1]:%u", t->tcp4, t->tcp6,
	      t->udp4, t->udp6);
}

/* the echo server, the client in the systemd scope and the server in the
 * cgroupfs container; -1 when the pipes cannot be made */
static int run_children(struct sa_run *r)
{
	int p[2], stop[2], st;
	pid_t server, echo;

	if (pipe(p) || pipe(stop))
		return -1;
	fflush(stdout);
	echo = fork();
	if (echo == 0) {
		serve(r->tcp4, r->tcp6, r->nsfd, stop[0]);
		_exit(0);
	}
	nt_sockattr_poll(r->s);
	nt_sockattr_stats(r->s, &r->st0);
	r->client = fork();
	if (r->client == 0)
		client_main(r->scope, &r->t, p[1]);
	if (read(p[0], &r->rep, sizeof(r->rep)) != sizeof(r->rep))
		r->rep.err = -1;
	waitpid(r->client, &st, 0);
	check(r->rep.err == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "client (pid %d) in the systemd scope: TCP v4/v6, UDP v4/v6, "
	      "connected UDP, 1000-datagram burst%s: %s",
	      r->client, r->ns_client ? ", TCP across the veth pair" : "",
	      r->rep.err ? r->rep.what : "all passed (programs allow)");

	/* inbound: the server child in the cgroupfs container */
	server = fork();
	if (server == 0)
		server_main(r->ctrfs, p[1]);
	if (read(p[0], &r->sport, sizeof(r->sport)) != sizeof(r->sport))
		r->sport = 0;
	r->dport = r->sport ? tcp_exchange(AF_INET, "127.0.0.1", r->sport) : 0;

	waitpid(server, &st, 0);
	check(r->dport && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "server (pid %d) in the cgroupfs container accepted a connection "
	      "from the driver",
	      server);
	if (write(stop[1], "x", 1) != 1)
		perror("stop");
	waitpid(echo, NULL, 0);

	int n = nt_sockattr_poll(r->s);

	nt_sockattr_stats(r->s, &r->st1);
	check(n > 0, "nt_sockattr_poll: %d attributions", n);
	return 0;
}

/* the exact keys of the client's flows, one check each */
static void check_client_keys(struct sa_run *r)
{
	struct nt_sockattr *s = r->s;
	const struct client_report *rep = &r->rep;
	const struct targets *t = &r->t;
	uint32_t cpid = (uint32_t)r->client;
	struct nt_flow_key k;
	const struct nt_sock_attr *a;
	int side;

	k = expect_key(AF_INET, "127.0.0.1", rep->tcp4, "127.0.0.1", t->tcp4, 6, &side);
	expect_attr(s, "tcp4 client", &k, side, r->cg_scope, 1, cpid, 4242, "nt-sa-client");
	expect_attr(s, "tcp4 accepted by the driver", &k, !side, r->cg_root, 0, 0, 0, "");
	a = nt_sockattr_find(s, &k);
	check(a && a->pid == cpid && a->local_side == side,
	      "tcp4: nt_sockattr_find prefers the side with a process");
	k = expect_key(AF_INET6, "::1", rep->tcp6, "::1", t->tcp6, 6, &side);
	expect_attr(s, "tcp6 client", &k, side, r->cg_scope, 1, cpid, 4242, "nt-sa-client");
	k = expect_key(AF_INET, "127.0.0.1", rep->udp4, "127.0.0.1", t->udp4, 17, &side);
	expect_attr(s, "udp4 sendto", &k, side, r->cg_scope, 1, cpid, 4242, "nt-sa-client");
	expect_attr(s, "udp4 receiver", &k, !side, r->cg_root, 0, 0, 0, "");
	k = expect_key(AF_INET6, "::1", rep->udp6, "::1", t->udp6, 17, &side);
	expect_attr(s, "udp6 sendto", &k, side, r->cg_scope, 1, cpid, 4242, "nt-sa-client");
	k = expect_key(AF_INET, "127.0.0.1", rep->cudp4, "127.0.0.1", t->udp4, 17, &side);
	expect_attr(s, "connected udp4", &k, side, r->cg_scope, 1, cpid, 4242, "nt-sa-client");
	k = expect_key(AF_INET, "127.0.0.1", rep->burst4, "127.0.0.1", t->udp4, 17, &side);
	expect_attr(s, "udp4 burst", &k, side, r->cg_scope, 1, cpid, 4242, "nt-sa-client");
}

/* the TCP connection across the veth pair, both sides and the TC counters */
static void check_netns_keys(struct sa_run *r)
{
	struct nt_sockattr *s = r->s;
	uint32_t cpid = (uint32_t)r->client;
	struct nt_flow_key k;
	int side;
	/* the client's address in its namespace: the peer of ns_addr */
	char caddr[64];

	snprintf(caddr, sizeof(caddr), "%s", r->ns_client_addr);
	k = expect_key(AF_INET, caddr, r->rep.tcpns, r->ns_addr, r->t.tcpns, 6, &side);
	expect_attr(s, "tcp across netns, client", &k, side, r->cg_scope, 1, cpid, 4242,
		    "nt-sa-client");
	expect_attr(s, "tcp across netns, accepted", &k, !side, r->cg_root, 0, 0, 0, "");
	/* the same key as the TC counters', counted there once */
	struct nt_flow_key tk;
	struct nt_flow_val tv;

	if (r->fb && tc_flow(r->fb, r->rep.tcpns, r->t.tcpns, &tk, &tv)) {
		check(memcmp(&tk, &k, sizeof(k)) == 0 && nt_sockattr_find(s, &tk) != NULL,
		      "the TC flow entry's key (nt_flow_key_make in flow.bpf.c) is "
		      "the attributed key");
		check(tv.pkts[0] >= 4 && tv.pkts[1] >= 4 && tv.pkts[0] < 20 && tv.pkts[1] < 20,
		      "TC counted the connection once on eth0: %llu + %llu packets",
		      (unsigned long long)tv.pkts[0], (unsigned long long)tv.pkts[1]);
	} else {
		check(0, "the TC programs saw no flow %u <-> %u", r->rep.tcpns, r->t.tcpns);
	}
}

/* the server's inbound connection, and once per flow, not per packet */
static void check_inbound(struct sa_run *r)
{
	struct nt_flow_key k;
	int side;

	k = expect_key(AF_INET, "127.0.0.1", r->dport, "127.0.0.1", r->sport, 6, &side);
	expect_attr(r->s, "inbound: accepted by the container (cgroup, no process)", &k, !side,
		    r->cg_ctr, 0, 0, 0, "");
	expect_attr(r->s, "inbound: the driver's connecting socket", &k, side, r->cg_root, 1,
		    (uint32_t)getpid(), 0, "nt-sa-driver");
	/* once per flow, not per packet: the client's whole run (a dozen
	 * flows, 1,000+ packets) made a handful of attributions */
	check(r->st1.events - r->st0.events < 100 && r->st1.proc_set - r->st0.proc_set < 20,
	      "once per flow: %llu attributions, %llu process notes for the "
	      "client's and server's ~1,040 packets",
	      (unsigned long long)(r->st1.events - r->st0.events),
	      (unsigned long long)(r->st1.proc_set - r->st0.proc_set));
}

/* a kernel-generated packet: the RST for a closed port comes from the
 * kernel's control socket and is attributed to nothing */
static void check_kernel_rst(struct nt_sockattr *s)
{
	uint16_t closed = 0, cport;
	int b = socket(AF_INET, SOCK_STREAM, 0);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_storage ss;
	socklen_t sl = mkaddr(AF_INET, "127.0.0.1", 0, &ss);
	const struct nt_sock_attr *a;
	struct nt_flow_key k;
	int r, side;

	if (bind(b, (void *)&ss, sl) == 0)
		closed = local_port(b);
	sl = mkaddr(AF_INET, "127.0.0.1", closed, &ss);
	r = connect(c, (void *)&ss, sl);
	cport = local_port(c);
	nt_sockattr_poll(s);
	k = expect_key(AF_INET, "127.0.0.1", cport, "127.0.0.1", closed, 6, &side);
	a = nt_sockattr_find_side(s, &k, side);
	check(r < 0 && errno == ECONNREFUSED && a && a->pid == (uint32_t)getpid() &&
		      nt_sockattr_find_side(s, &k, !side) == NULL,
	      "refused connect: the SYN's socket attributed, the kernel's RST not");
	close(b);
	close(c);
}

/* cgroup id -> container id -> pod uid */
static void check_cgroupmap(struct sa_run *r)
{
	struct nt_cgroupmap *cm = nt_cgroupmap_new(NULL);
	const char *cid = NULL, *puid = NULL;
	uint64_t t0 = now_ns();
	const struct nt_sock_attr *a;
	struct nt_flow_key k;
	int side;
	int rc = nt_cgroupmap_lookup(cm, r->cg_scope, &cid, &puid, t0);

	check(rc == 0 && cid && strcmp(cid, r->hex1) == 0 && puid && strcmp(puid, r->uid1) == 0,
	      "cgroupmap systemd scope: container %s pod %s", cid ? cid : "-", puid ? puid : "-");
	rc = nt_cgroupmap_lookup(cm, r->cg_ctr, &cid, &puid, t0);
	check(rc == 0 && cid && strcmp(cid, r->hex2) == 0 && puid && strcmp(puid, r->uid2) == 0,
	      "cgroupmap cgroupfs container: container %s pod %s", cid ? cid : "-",
	      puid ? puid : "-");
	rc = nt_cgroupmap_lookup(cm, r->cg_root, &cid, &puid, t0);
	check(rc == 0 && !cid && !puid, "cgroupmap driver's own cgroup: known, no container");
	/* an attribution's id resolves end to end */
	k = expect_key(AF_INET, "127.0.0.1", r->rep.tcp4, "127.0.0.1", r->t.tcp4, 6, &side);
	a = nt_sockattr_find(r->s, &k);
	rc = a ? nt_cgroupmap_lookup(cm, a->cgroup_id, &cid, &puid, t0) : -1;
	check(rc == 0 && cid && strcmp(cid, r->hex1) == 0, "flow -> cgroup id -> container %s",
	      cid ? cid : "-");
	/* unknown id: one rescan, then rate-limited */
	uint64_t rs0, rs1, rs2;

	nt_cgroupmap_stats(cm, &rs0, NULL);
	rc = nt_cgroupmap_lookup(cm, 0xfffffffffff0ULL, &cid, &puid, t0 + 2000000000ULL);
	nt_cgroupmap_stats(cm, &rs1, NULL);
	nt_cgroupmap_lookup(cm, 0xfffffffffff1ULL, &cid, &puid, t0 + 2100000000ULL);
	nt_cgroupmap_stats(cm, &rs2, NULL);
	check(rc == -1 && rs1 == rs0 + 1 && rs2 == rs1,
	      "unknown id: -1, one rescan, the next within 1 s none (%llu %llu %llu)",
	      (unsigned long long)rs0, (unsigned long long)rs1, (unsigned long long)rs2);
	nt_cgroupmap_free(cm);
}

/* forget, the counters and the maps, then close and detach */
static void check_forget_and_close(struct sa_run *r)
{
	struct nt_flow_key k;
	int side;

	k = expect_key(AF_INET, "127.0.0.1", r->rep.tcp4, "127.0.0.1", r->t.tcp4, 6, &side);
	nt_sockattr_forget(r->s, &k);
	check(nt_sockattr_find(r->s, &k) == NULL, "forget drops the flow");
	{
		uint64_t lost = 99, tracked = 0;

		nt_sockattr_counters(r->s, &lost, &tracked);
		check(lost == 0 && tracked > 0, "counters: lost %llu tracked %llu",
		      (unsigned long long)lost, (unsigned long long)tracked);
	}
	check_maps(r->s);

	int before = count_ours();

	nt_sockattr_close(r->s);
	r->s = NULL;
	if (r->fb)
		flow_bpf__destroy(r->fb);
	r->fb = NULL;
	{
		/* another nettrail on the node keeps its own: ours (egress,
		 * connect4) are the two that vanish */
		int after = count_ours();

		check(before >= 2 && after == before - 2,
		      "close detached and freed the programs (%d -> %d)", before, after);
	}
}

/* cleanup: processes are gone; remove the cgroups bottom-up */
static void remove_cgroups(const struct sa_run *r)
{
	char d[4400];
	int ok = 1;

	snprintf(d, sizeof(d), "%s", r->scope);
	while (strlen(d) > strlen(r->base)) {
		if (rmdir(d))
			ok = 0;
		*strrchr(d, '/') = 0;
	}
	snprintf(d, sizeof(d), "%s", r->ctrfs);
	while (strlen(d) > strlen(r->base)) {
		if (rmdir(d))
			ok = 0;
		*strrchr(d, '/') = 0;
	}
	if (rmdir(r->base))
		ok = 0;
	check(ok && access(r->base, F_OK) != 0, "cgroups removed");
}

int main(int argc, char **argv)
{
	static struct sa_run run = { .nsfd = -1 };
	struct sa_run *r = &run;
	char err[512];

	if (argc > 4) {
		r->ns_client = argv[1];
		r->ns_server = argv[2];
		r->ns_addr = argv[3];
		r->ns_client_addr = argv[4];
	}
	if (argc > 1 && strcmp(argv[1], "bench") == 0)
		return bench_main(argc > 2 ? atoi(argv[2]) : 200000);
	prctl(PR_SET_NAME, "nt-sa-driver");
	srand((unsigned)getpid());
	if (!nt_cgroup_v2_mount(r->root, sizeof(r->root))) {
		check(0, "cgroup2 mount in /proc/mounts");
		goto done;
	}
	check(1, "cgroup v2 mount from /proc/mounts: %s", r->root);

	r->s = nt_sockattr_open(NULL, err, sizeof(err));
	check(r->s != NULL, "nt_sockattr_open(NULL): %s", r->s ? "attached 6 programs" : err);
	if (!r->s)
		goto done;
	check(strcmp(nt_sockattr_cgroup_root(r->s), r->root) == 0, "attached at %s",
	      nt_sockattr_cgroup_root(r->s));

	make_cgroups(r);
	open_listeners(r);
	if (run_children(r))
		return 1;
	check_client_keys(r);
	if (r->ns_client)
		check_netns_keys(r);
	check_inbound(r);
	check_kernel_rst(r->s);
	check_cgroupmap(r);
	check_forget_and_close(r);
	remove_cgroups(r);
done:
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
