// SPDX-License-Identifier: BSD-2-Clause
/*
 * control.c - the control socket: an AF_UNIX stream socket, mode 0600 (root
 * only), made by the sensor (its directory too); each connection's request
 * read without blocking, each answer framed (request.h) into a buffer that
 * is sent as the client takes it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "capture_int.h"
#include "util.h"

/* mkdir -p of path's directory (0755: the socket itself is 0600) */
static int make_parent(const char *path)
{
	char d[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(d, sizeof(d), "%s", path);
	p = strrchr(d, '/');
	if (!p || p == d)
		return 0;
	*p = 0;
	for (p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(d, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(d, 0755) && errno != EEXIST ? -1 : 0;
}

int cap_listen(struct nt_capture *c, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	mode_t old;

	if (strlen(c->path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "--control-socket: path longer than %zu bytes",
			 sizeof(sa.sun_path) - 1);
		return -1;
	}
	strcpy(sa.sun_path, c->path);
	if (make_parent(c->path)) {
		snprintf(err, errlen, "--control-socket %s: cannot create its directory: %s",
			 c->path, strerror(errno));
		return -1;
	}
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0)
		goto fail;
	/* a socket another sensor answers on is left alone; a stale one of an
	 * earlier run goes */
	{
		int t = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (t >= 0 && connect(t, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(t);
			snprintf(err, errlen, "--control-socket %s: in use by another process",
				 c->path);
			close(c->lfd);
			c->lfd = -1;
			return -1;
		}
		if (t >= 0)
			close(t);
	}
	unlink(c->path);
	old = umask(0177);
	if (bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa))) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (chmod(c->path, 0600) || listen(c->lfd, 8))
		goto fail;
	return epoll_ctl(c->ep, EPOLL_CTL_ADD, c->lfd, &ev) ? -1 : 0;
fail:
	snprintf(err, errlen, "--control-socket %s: %s", c->path, strerror(errno));
	return -1;
}

void cap_accept(struct nt_capture *c)
{
	for (;;) {
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct cap_sess *s = NULL;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		socklen_t sl;

		if (fd < 0)
			return;
		for (int i = 0; i < CAP_MAX_CONN && !s; i++)
			if (c->conn[i].state == CAP_FREE)
				s = &c->conn[i];
		if (!s) {
			static const char busy[] = "too many connections to the control socket";
			uint8_t h[5];

			nt_capframe_head(h, 'E', sizeof(busy) - 1);
			(void)!send(fd, h, 5, MSG_NOSIGNAL | MSG_DONTWAIT);
			(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			c->st.refused++;
			continue;
		}
		memset(s, 0, sizeof(*s));
		s->fd = fd;
		s->slot = -1;
		s->state = CAP_READING;
		s->accepted = c->now;
		s->in = malloc(NT_CAPREQ_MAX + 1);
		sl = sizeof(s->peer);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &s->peer, &sl))
			s->peer.uid = (uid_t)-1;
		ev.data.ptr = s;
		if (!s->in || epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev)) {
			cap_conn_free(c, s);
			continue;
		}
	}
}

int cap_read(struct nt_capture *c, struct cap_sess *s)
{
	char err[256];
	ssize_t n;
	int r;

	(void)c;
	for (;;) {
		n = recv(s->fd, s->in + s->inlen, NT_CAPREQ_MAX + 1 - s->inlen, 0);
		if (n > 0)
			s->inlen += (size_t)n;
		if (n <= 0 || s->inlen > NT_CAPREQ_MAX)
			break;
	}
	if (n == 0 && s->inlen == 0)
		return -1; /* gone before asking */
	r = nt_capreq_parse(&s->req, s->in, s->inlen, err, sizeof(err));
	if (r == 0 && (n == 0 || s->inlen > NT_CAPREQ_MAX)) {
		snprintf(err, sizeof(err), "incomplete capture request");
		r = -1;
	}
	if (r < 0) {
		cap_refuse(c, s, err);
		return 0;
	}
	return r;
}

static int out_reserve(struct cap_sess *s, size_t n)
{
	size_t need;

	if (s->ooff && s->ooff == s->olen)
		s->ooff = s->olen = 0;
	need = s->olen + n;
	if (need <= s->ocap)
		return 0;
	if (s->ooff) { /* sent bytes at the front: move the rest down */
		memmove(s->out, s->out + s->ooff, s->olen - s->ooff);
		s->olen -= s->ooff;
		s->ooff = 0;
		need = s->olen + n;
		if (need <= s->ocap)
			return 0;
	}
	uint8_t *p = nt_grow(s->out, &s->ocap, need, 65536);

	if (!p)
		return -1;
	s->out = p;
	return 0;
}

int cap_frame(struct cap_sess *s, char type, const void *data, size_t len)
{
	if (out_reserve(s, len + 5))
		return -1;
	nt_capframe_head(s->out + s->olen, type, (uint32_t)len);
	memcpy(s->out + s->olen + 5, data, len);
	s->olen += len + 5;
	return 0;
}

/* the pcapng writer's destination: one 'D' frame per block */
int cap_pcapng_write(void *ctx, const void *buf, size_t len)
{
	return cap_frame(ctx, 'D', buf, len);
}

int cap_flush(struct nt_capture *c, struct cap_sess *s)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = s };

	while (s->ooff < s->olen) {
		ssize_t n = send(s->fd, s->out + s->ooff, s->olen - s->ooff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -1;
		s->ooff += (size_t)n;
	}
	if (s->ooff == s->olen)
		s->ooff = s->olen = 0;
	else
		ev.events |= EPOLLOUT;
	epoll_ctl(c->ep, EPOLL_CTL_MOD, s->fd, &ev);
	return 0;
}

void cap_conn_free(struct nt_capture *c, struct cap_sess *s)
{
	if (s->fd >= 0) {
		epoll_ctl(c->ep, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
	}
	cap_session_free_packets(s);
	cap_filter_free(s);
	nt_pcapng_close(s->w);
	free(s->in);
	free(s->out);
	free(s->pods);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->state = CAP_FREE;
}
