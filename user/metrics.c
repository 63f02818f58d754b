// SPDX-License-Identifier: BSD-2-Clause
/* metrics.c - snapshot-serving Prometheus endpoint (libmicrohttpd). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "metrics.h"
#include "counters.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nt_metrics {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	char *text; /* the latest /metrics body */
	size_t len;
	int ready;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     const char *body, size_t n)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(n, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	struct nt_metrics *m = cls;
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
	if (!strcmp(url, "/healthz"))
		return reply(c, MHD_HTTP_OK, "text/plain", "ok\n", 3);
	pthread_mutex_lock(&m->lock);
	if (!strcmp(url, "/readyz"))
		ret = m->ready ? reply(c, MHD_HTTP_OK, "text/plain", "ready\n", 6) :
				 reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "not ready\n",
				       10);
	else if (!strcmp(url, "/metrics"))
		ret = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
			    m->text ? m->text : "", m->text ? m->len : 0);
	else
		ret = reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", 10);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

/* "127.0.0.1:9464" or "[::1]:9464" */
static int parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon;
	char *end;
	unsigned long port;

	if (addr[0] == '[') {
		const char *rb = strchr(addr, ']');

		if (!rb || rb[1] != ':' || (size_t)(rb - addr - 1) >= sizeof(host))
			return -1;
		memcpy(host, addr + 1, (size_t)(rb - addr - 1));
		host[rb - addr - 1] = 0;
		colon = rb + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || (size_t)(colon - addr) >= sizeof(host))
			return -1;
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = 0;
	}
	port = strtoul(colon + 1, &end, 10);
	if (*end || !colon[1] || port == 0 || port > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in6);
		return AF_INET6;
	}
	return -1;
}

struct nt_metrics *nt_metrics_start(const char *addr, char *err, size_t errlen, int *usage)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fam = parse_addr(addr, &ss, &sl);
	struct nt_metrics *m;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD; /* errors: ours, one line */

	*usage = 0;
	if (fam < 0) {
		*usage = 1;
		snprintf(err, errlen,
			 "--metrics-addr: '%s' is not HOST:PORT "
			 "(127.0.0.1:9464, [::1]:9464)",
			 addr);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	if (fam == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, m, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)16, MHD_OPTION_END);
	if (!m->d) {
		snprintf(err, errlen,
			 "--metrics-addr %s: cannot listen "
			 "(address in use or not local?)",
			 addr);
		pthread_mutex_destroy(&m->lock);
		free(m);
		return NULL;
	}
	return m;
}

/* fmt takes the name three times (HELP, TYPE, sample), then the value. */
/* One metric: HELP, TYPE and value lines. */
static void add(char **buf, size_t *len, size_t *cap, const char *fmt, const char *name,
		const char *help, uint64_t v)
{
	for (;;) {
		int n = snprintf(*buf + *len, *cap - *len, fmt, name, help, name, name,
				 (unsigned long long)v);

		if (n >= 0 && (size_t)n < *cap - *len) {
			*len += (size_t)n;
			return;
		}
		char *nb = realloc(*buf, *cap * 2);

		if (!nb)
			return;
		*buf = nb;
		*cap *= 2;
	}
}

void nt_metrics_publish(struct nt_metrics *m, const struct nt_metrics_snap *snap, int ready)
{
	size_t cap = 8192, len = 0;
	char *buf;

	if (!m || !(buf = malloc(cap)))
		return;
	buf[0] = 0;
	/* once per tick, a few dozen lines: printf is fine here */
	for (int i = 0; i < NT_C_MAX + NT_G_MAX; i++) {
		int c = i < NT_C_MAX;
		const struct nt_metric_def *d =
			c ? &nt_counter_defs[i] : &nt_gauge_defs[i - NT_C_MAX];

		add(&buf, &len, &cap,
		    c ? "# HELP nettrail_%s_total %s\n# TYPE nettrail_%s_total counter\n"
			"nettrail_%s_total %llu\n" :
			"# HELP nettrail_%s %s\n# TYPE nettrail_%s gauge\nnettrail_%s %llu\n",
		    d->name, d->help, c ? snap->c[i] : snap->g[i - NT_C_MAX]);
	}
	nt_metrics_publish_text(m, buf, len, ready);
}

void nt_metrics_publish_text(struct nt_metrics *m, char *text, size_t len, int ready)
{
	char *old;

	if (!m) {
		free(text);
		return;
	}
	pthread_mutex_lock(&m->lock);
	old = m->text;
	m->text = text;
	m->len = len;
	m->ready = ready;
	pthread_mutex_unlock(&m->lock);
	free(old);
}

void nt_metrics_stop(struct nt_metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);
	pthread_mutex_destroy(&m->lock);
	free(m->text);
	free(m);
}
