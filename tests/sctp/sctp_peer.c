// SPDX-License-Identifier: BSD-2-Clause
/*
 * sctp_peer.c - real SCTP associations for the live tests
 * (tests/live/test_sctp.py): a server and a client, one in each network
 * namespace, that open associations, exchange messages and shut them down
 * gracefully (INIT ... DATA/SACK ... SHUTDOWN COMPLETE on the wire).
 *
 *   sctp_peer server REPLY ADDR:PORT:N [ADDR:PORT:N...]
 *	listens on each ADDR:PORT in turn and serves N associations there,
 *	one after the other: every message is answered with REPLY bytes,
 *	and a message starting with 'E' is the association's last. Prints
 *	"ready" once it listens on all of them; exits when every
 *	association has been shut down by its client.
 *   sctp_peer client LADDR:LPORT-RADDR:RPORT:COUNT:SIZE ...
 *	opens every association first (bound to LADDR:LPORT, so its ports
 *	are known), then, association after association, sends COUNT
 *	messages of SIZE bytes, reading the reply to each, then closes them
 *	all. Prints one line per association: "LPORT sent received".
 *
 * The stack is the kernel's when it has SCTP; otherwise usrsctp's, which
 * runs SCTP itself over raw IP sockets (a kernel without SCTP hands every
 * SCTP packet to them and sends no protocol-unreachable). One process per
 * namespace: a second usrsctp instance would answer the first one's
 * packets with ABORTs. NT_SCTP_STACK=kernel|usrsctp forces one.
 *
 * Build: cc -O2 tests/sctp/sctp_peer.c -o sctp_peer -lusrsctp -lpthread
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <usrsctp.h>

#define MAX_ASSOC 8
#define MAX_MSG	  65536

/* One endpoint: a kernel socket or a usrsctp one. */
struct ep {
	int fd;
	struct socket *us;
};

static int use_usrsctp;

static void die(const char *what)
{
	fprintf(stderr, "sctp_peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Picks the stack: the kernel's if it can make an SCTP socket. */
static void stack_init(void)
{
	const char *force = getenv("NT_SCTP_STACK");
	int fd;

	if (force && *force) {
		use_usrsctp = !strcmp(force, "usrsctp");
	} else {
		fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
		use_usrsctp = fd < 0;
		if (fd >= 0)
			close(fd);
	}
	fprintf(stderr, "sctp_peer: stack %s\n", use_usrsctp ? "usrsctp" : "kernel");
	if (use_usrsctp)
		usrsctp_init(0, NULL, NULL); /* no UDP encapsulation */
}

static void stack_finish(void)
{
	/* usrsctp refuses while associations are still shutting down */
	for (int i = 0; use_usrsctp && usrsctp_finish() != 0; i++) {
		if (i == 200) {
			fprintf(stderr, "sctp_peer: usrsctp did not finish\n");
			exit(1);
		}
		usleep(50000);
	}
}

static struct ep ep_socket(int family)
{
	struct ep e = { .fd = -1 };

	if (use_usrsctp)
		e.us = usrsctp_socket(family, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	else
		e.fd = socket(family, SOCK_STREAM, IPPROTO_SCTP);
	if (!e.us && e.fd < 0)
		die("socket");
	return e;
}

static void ep_bind(struct ep *e, struct sockaddr_storage *a, socklen_t n)
{
	int r = use_usrsctp ? usrsctp_bind(e->us, (struct sockaddr *)a, n) :
			      bind(e->fd, (struct sockaddr *)a, n);

	if (r < 0)
		die("bind");
}

static void ep_connect(struct ep *e, struct sockaddr_storage *a, socklen_t n)
{
	int r = use_usrsctp ? usrsctp_connect(e->us, (struct sockaddr *)a, n) :
			      connect(e->fd, (struct sockaddr *)a, n);

	if (r < 0)
		die("connect");
}

static void ep_listen(struct ep *e)
{
	if ((use_usrsctp ? usrsctp_listen(e->us, MAX_ASSOC) : listen(e->fd, MAX_ASSOC)) < 0)
		die("listen");
}

static struct ep ep_accept(struct ep *l)
{
	struct ep e = { .fd = -1 };

	if (use_usrsctp)
		e.us = usrsctp_accept(l->us, NULL, NULL);
	else
		e.fd = accept(l->fd, NULL, NULL);
	if (!e.us && e.fd < 0)
		die("accept");
	return e;
}

/* Sends one message of n bytes. */
static void ep_send(struct ep *e, const char *buf, size_t n)
{
	ssize_t r;

	if (use_usrsctp)
		r = usrsctp_sendv(e->us, buf, n, NULL, 0, NULL, 0, SCTP_SENDV_NOINFO, 0);
	else
		r = send(e->fd, buf, n, 0);
	if (r != (ssize_t)n)
		die("send");
}

/* Reads one message (SCTP keeps message boundaries); 0 at shutdown. */
static size_t ep_recv(struct ep *e, char *buf, size_t cap)
{
	ssize_t r;

	if (use_usrsctp) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from), ilen = 0;
		unsigned int itype = 0;
		int flags = 0;

		r = usrsctp_recvv(e->us, buf, cap, (struct sockaddr *)&from, &flen, NULL, &ilen,
				  &itype, &flags);
	} else {
		r = recv(e->fd, buf, cap, 0);
	}
	if (r < 0)
		die("recv");
	return (size_t)r;
}

static void ep_close(struct ep *e)
{
	if (use_usrsctp)
		usrsctp_close(e->us);
	else
		close(e->fd);
}

/* "ADDR:PORT" (IPv6 addresses in brackets) into a; returns its length. */
static socklen_t parse_addr(const char *s, struct sockaddr_storage *a)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)a;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)a;
	char host[64];
	const char *p;
	size_t n;

	memset(a, 0, sizeof(*a));
	p = *s == '[' ? strchr(s, ']') : strchr(s, ':');
	if (!p)
		goto bad;
	n = (size_t)(p - s) - (*s == '[');
	if (n >= sizeof(host))
		goto bad;
	memcpy(host, s + (*s == '['), n);
	host[n] = 0;
	p += *s == '[' ? 2 : 1;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)atoi(p));
		return sizeof(*v4);
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)atoi(p));
		return sizeof(*v6);
	}
bad:
	fprintf(stderr, "sctp_peer: bad address %s\n", s);
	exit(2);
}

/* Answers every message of one association until its 'E' message. */
static void serve(struct ep *c, const char *reply, size_t rlen)
{
	static char buf[MAX_MSG];

	do {
		if (ep_recv(c, buf, sizeof(buf)) == 0) {
			fprintf(stderr, "sctp_peer: association ended early\n");
			exit(1);
		}
		ep_send(c, reply, rlen);
	} while (buf[0] != 'E');
}

/* Waits for the client to shut the association down, then closes it. */
static void drain_close(struct ep *c)
{
	static char buf[MAX_MSG];

	while (ep_recv(c, buf, sizeof(buf)) > 0)
		;
	ep_close(c);
}

static int run_server(int argc, char **argv)
{
	struct ep lis[MAX_ASSOC], conn[MAX_ASSOC];
	int nconn[MAX_ASSOC], nl = argc - 1, k = 0;
	size_t rlen = (size_t)atoi(argv[0]);
	char *reply;

	if (nl < 1 || nl > MAX_ASSOC || rlen == 0 || rlen > MAX_MSG)
		return 2;
	reply = malloc(rlen);
	memset(reply, 'r', rlen);
	for (int i = 0; i < nl; i++) {
		struct sockaddr_storage a;
		socklen_t len = parse_addr(argv[i + 1], &a);
		const char *last = strrchr(argv[i + 1], ':');

		nconn[i] = atoi(last + 1);
		lis[i] = ep_socket(a.ss_family);
		ep_bind(&lis[i], &a, len);
		ep_listen(&lis[i]);
	}
	printf("ready\n");
	fflush(stdout);
	for (int i = 0; i < nl; i++) {
		for (int j = 0; j < nconn[i] && k < MAX_ASSOC; j++, k++) {
			conn[k] = ep_accept(&lis[i]);
			serve(&conn[k], reply, rlen);
		}
	}
	for (int i = 0; i < k; i++)
		drain_close(&conn[i]);
	for (int i = 0; i < nl; i++)
		ep_close(&lis[i]);
	free(reply);
	stack_finish();
	return 0;
}

/* One client association: LADDR:LPORT-RADDR:RPORT:COUNT:SIZE */
struct assoc {
	struct ep e;
	int lport, count;
	size_t size, sent, received;
};

static void open_assoc(struct assoc *as, char *spec)
{
	struct sockaddr_storage la, ra;
	char *dash = strchr(spec, '-'), *f;
	socklen_t llen, rlen;

	if (!dash) {
		fprintf(stderr, "sctp_peer: bad association %s\n", spec);
		exit(2);
	}
	*dash = 0;
	llen = parse_addr(spec, &la);
	rlen = parse_addr(dash + 1, &ra);
	f = strrchr(dash + 1, ':'); /* SIZE */
	as->size = (size_t)atoi(f + 1);
	*f = 0;
	f = strrchr(dash + 1, ':'); /* COUNT */
	as->count = atoi(f + 1);
	as->lport = la.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&la)->sin_port) :
					      ntohs(((struct sockaddr_in6 *)&la)->sin6_port);
	if (as->count < 1 || as->size < 1 || as->size > MAX_MSG) {
		fprintf(stderr, "sctp_peer: bad association %s\n", spec);
		exit(2);
	}
	as->e = ep_socket(la.ss_family);
	ep_bind(&as->e, &la, llen);
	ep_connect(&as->e, &ra, rlen);
}

static void talk(struct assoc *as)
{
	static char buf[MAX_MSG], msg[MAX_MSG];

	memset(msg, 'm', as->size);
	for (int i = 0; i < as->count; i++) {
		msg[0] = i == as->count - 1 ? 'E' : 'm';
		ep_send(&as->e, msg, as->size);
		as->sent += as->size;
		as->received += ep_recv(&as->e, buf, sizeof(buf));
	}
}

static int run_client(int argc, char **argv)
{
	struct assoc as[MAX_ASSOC];

	if (argc < 1 || argc > MAX_ASSOC)
		return 2;
	memset(as, 0, sizeof(as));
	for (int i = 0; i < argc; i++)
		open_assoc(&as[i], argv[i]);
	for (int i = 0; i < argc; i++)
		talk(&as[i]);
	for (int i = 0; i < argc; i++)
		ep_close(&as[i].e);
	stack_finish();
	for (int i = 0; i < argc; i++)
		printf("%d %zu %zu\n", as[i].lport, as[i].sent, as[i].received);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: sctp_peer server REPLY ADDR:PORT:N...\n"
				"       sctp_peer client "
				"LADDR:LPORT-RADDR:RPORT:COUNT:SIZE...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	stack_init();
	if (!strcmp(argv[1], "server"))
		return run_server(argc - 2, argv + 2);
	if (!strcmp(argv[1], "client"))
		return run_client(argc - 2, argv + 2);
	return 2;
}
