// SPDX-License-Identifier: BSD-2-Clause
/*
 * request.c - capture requests: defaults, checks, parse and format of the
 * control socket's text form (request.h).
 */
#include "request.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void nt_capreq_init(struct nt_capreq *r)
{
	memset(r, 0, sizeof(*r));
	r->duration = NT_CAP_DEF_DURATION;
	r->bytes = NT_CAP_DEF_BYTES;
	r->snaplen = NT_CAP_DEF_SNAPLEN;
}

/* A Kubernetes name: DNS-1123 (lower case letters, digits, '-', '.'). */
static int k8s_name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.'))
			return 0;
	return 1;
}

/* A label key or value: letters, digits, '-', '_', '.', '/' (keys' prefix). */
static int label_ok(const char *s, int empty_ok)
{
	if (!*s)
		return empty_ok;
	if (strlen(s) > 63 + 254)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '/'))
			return 0;
	return 1;
}

static int parse_pod(struct nt_capreq *r, const char *v, char *err, size_t errlen)
{
	const char *sl = strchr(v, '/');
	struct nt_capreq_pod *p;

	if (r->n_pods >= NT_CAP_MAX_SEL)
		return bad(err, errlen, "too many --pod selectors (at most %d)", NT_CAP_MAX_SEL);
	p = &r->pods[r->n_pods];
	if (!sl || (size_t)(sl - v) >= sizeof(p->ns) || strlen(sl + 1) >= sizeof(p->name))
		return bad(err, errlen, "--pod '%.80s': expected NAMESPACE/NAME", v);
	memcpy(p->ns, v, (size_t)(sl - v));
	p->ns[sl - v] = 0;
	strcpy(p->name, sl + 1);
	if (!k8s_name_ok(p->ns, 63) || !k8s_name_ok(p->name, 253))
		return bad(err, errlen, "--pod '%.80s': not a valid namespace/name", v);
	r->n_pods++;
	return 0;
}

/* NS:KEY=VAL[,KEY=VAL] */
static int parse_selector(struct nt_capreq *r, const char *v, char *err, size_t errlen)
{
	const char *colon = strchr(v, ':'), *p;
	struct nt_capreq_selector *s;

	if (r->n_sels >= NT_CAP_MAX_SEL)
		return bad(err, errlen, "too many --selector (at most %d)", NT_CAP_MAX_SEL);
	s = &r->sels[r->n_sels];
	memset(s, 0, sizeof(*s));
	if (!colon || (size_t)(colon - v) >= sizeof(s->ns) || !colon[1])
		return bad(err, errlen, "--selector '%.80s': expected NAMESPACE:KEY=VALUE[,...]",
			   v);
	memcpy(s->ns, v, (size_t)(colon - v));
	if (!k8s_name_ok(s->ns, 63))
		return bad(err, errlen, "--selector '%.80s': not a valid namespace", v);
	for (p = colon + 1; *p;) {
		const char *end = strchr(p, ','), *eq;
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char item[130];

		if (s->nlabels >= 8 || n == 0 || n >= sizeof(item))
			return bad(err, errlen, "--selector '%.80s': bad label list", v);
		memcpy(item, p, n);
		item[n] = 0;
		eq = strchr(item, '=');
		if (!eq || eq == item || (size_t)(eq - item) >= 64 || strlen(eq + 1) >= 64)
			return bad(err, errlen, "--selector '%.80s': expected KEY=VALUE", v);
		memcpy(s->labels[s->nlabels][0], item, (size_t)(eq - item));
		strcpy(s->labels[s->nlabels][1], eq + 1);
		if (!label_ok(s->labels[s->nlabels][0], 0) ||
		    !label_ok(s->labels[s->nlabels][1], 1))
			return bad(err, errlen, "--selector '%.80s': bad label", v);
		s->nlabels++;
		p += n;
		if (*p == ',')
			p++;
	}
	r->n_sels++;
	return 0;
}

static int parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (!*v || *v == '-' || *v == '+' || *v == ' ')
		return -1;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

static int parse_flow(struct nt_capreq *r, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (r->n_flows >= NT_CAP_MAX_SEL)
		return bad(err, errlen, "too many --flow (at most %d)", NT_CAP_MAX_SEL);
	/* "1:" and the base64 of a SHA-1 (28 characters) */
	if (n != 30 || strncmp(v, "1:", 2))
		return bad(err, errlen, "--flow '%.80s': not a Community ID v1 (1:<28 base64>)", v);
	for (size_t i = 2; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
			    v[i]))
			return bad(err, errlen, "--flow '%.80s': not a Community ID v1", v);
	strcpy(r->flows[r->n_flows++], v);
	return 0;
}

static int parse_iface(struct nt_capreq *r, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (r->n_ifaces >= NT_CAP_MAX_SEL)
		return bad(err, errlen, "too many --interface (at most %d)", NT_CAP_MAX_SEL);
	if (n == 0 || n >= 16 || strchr(v, '/') || strchr(v, ' '))
		return bad(err, errlen, "--interface '%.80s': not an interface name", v);
	strcpy(r->ifaces[r->n_ifaces++], v);
	return 0;
}

static int parse_limit(struct nt_capreq *r, const char *key, const char *v, char *err,
		       size_t errlen)
{
	uint64_t x;

	if (!strcmp(key, "duration")) {
		if (parse_u64(v, 1, NT_CAP_MAX_DURATION, &x))
			return bad(err, errlen, "--duration '%.40s': 1 to %d seconds", v,
				   NT_CAP_MAX_DURATION);
		r->duration = (uint32_t)x;
	} else if (!strcmp(key, "packets")) {
		if (parse_u64(v, 1, UINT64_MAX / 2, &x))
			return bad(err, errlen, "--packets '%.40s': a positive count", v);
		r->packets = x;
	} else if (!strcmp(key, "bytes")) {
		if (parse_u64(v, 1, UINT64_MAX / 2, &x))
			return bad(err, errlen, "--bytes '%.40s': a positive count", v);
		r->bytes = x;
	} else {
		if (parse_u64(v, 1, NT_CAP_DEF_SNAPLEN, &x))
			return bad(err, errlen, "--snaplen '%.40s': 1 to %d", v,
				   NT_CAP_DEF_SNAPLEN);
		r->snaplen = (uint32_t)x;
	}
	return 0;
}

int nt_capreq_set(struct nt_capreq *r, const char *key, const char *val, char *err, size_t errlen)
{
	if (!strcmp(key, "pod"))
		return parse_pod(r, val, err, errlen);
	if (!strcmp(key, "selector"))
		return parse_selector(r, val, err, errlen);
	if (!strcmp(key, "ip")) {
		if (r->n_ips >= NT_CAP_MAX_SEL)
			return bad(err, errlen, "too many --ip (at most %d)", NT_CAP_MAX_SEL);
		if (nt_cidr_parse(val, NT_CIDR_BARE, &r->ips[r->n_ips]))
			return bad(err, errlen, "--ip '%.80s': not an address or CIDR", val);
		r->n_ips++;
		return 0;
	}
	if (!strcmp(key, "flow"))
		return parse_flow(r, val, err, errlen);
	if (!strcmp(key, "interface"))
		return parse_iface(r, val, err, errlen);
	if (!strcmp(key, "filter")) {
		if (strlen(val) >= sizeof(r->filter))
			return bad(err, errlen, "--filter: longer than %d bytes",
				   NT_CAP_FILTER_MAX - 1);
		memset(r->filter, 0, sizeof(r->filter)); /* a second one replaces the first */
		strcpy(r->filter, val);
		return 0;
	}
	if (!strcmp(key, "duration") || !strcmp(key, "packets") || !strcmp(key, "bytes") ||
	    !strcmp(key, "snaplen"))
		return parse_limit(r, key, val, err, errlen);
	return bad(err, errlen, "unknown request key '%.40s'", key);
}

/* One line (NUL-terminated, no newline) of a request. */
static int parse_line(struct nt_capreq *r, char *line, char *err, size_t errlen)
{
	char *sp = strchr(line, ' ');

	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return bad(err, errlen, "bad request: control character");
	if (!sp)
		return bad(err, errlen, "bad request line '%.40s'", line);
	*sp = 0;
	return nt_capreq_set(r, line, sp + 1, err, errlen);
}

static int check_whole(const struct nt_capreq *r, char *err, size_t errlen)
{
	if (!r->n_pods && !r->n_sels && !r->n_ips && !r->n_flows && !r->n_ifaces)
		return bad(err, errlen,
			   "no selector: give --pod, --selector, --ip, --flow or --interface");
	return 1;
}

int nt_capreq_parse(struct nt_capreq *r, const char *buf, size_t len, char *err, size_t errlen)
{
	char line[NT_CAPREQ_MAX + 1];
	size_t off = 0, n;
	int first = 1;

	nt_capreq_init(r);
	if (len > NT_CAPREQ_MAX)
		return bad(err, errlen, "request longer than %d bytes", NT_CAPREQ_MAX);
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);

		if (!nl)
			return 0;
		n = (size_t)(nl - (buf + off));
		if (memchr(buf + off, 0, n))
			return bad(err, errlen, "bad request: NUL byte");
		memcpy(line, buf + off, n);
		line[n] = 0;
		off += n + 1;
		if (first) {
			if (strcmp(line, NT_CAPREQ_MAGIC))
				return bad(err, errlen, "not a capture request (version?)");
			first = 0;
			continue;
		}
		if (!strcmp(line, "end"))
			return off == len ? check_whole(r, err, errlen) :
					    bad(err, errlen, "bytes after the request's end");
		if (parse_line(r, line, err, errlen))
			return -1;
	}
	return 0;
}

static int put(char *out, size_t outlen, size_t *off, const char *key, const char *val)
{
	int n = snprintf(out + *off, outlen - *off, "%s %s\n", key, val);

	if (n < 0 || (size_t)n >= outlen - *off)
		return -1;
	*off += (size_t)n;
	return 0;
}

static int format_selectors(const struct nt_capreq *r, char *out, size_t outlen, size_t *off)
{
	char v[1200];
	int e = 0;

	for (unsigned i = 0; i < r->n_pods; i++) {
		snprintf(v, sizeof(v), "%s/%s", r->pods[i].ns, r->pods[i].name);
		e |= put(out, outlen, off, "pod", v);
	}
	for (unsigned i = 0; i < r->n_sels; i++) {
		size_t k = (size_t)snprintf(v, sizeof(v), "%s:", r->sels[i].ns);

		for (unsigned j = 0; j < r->sels[i].nlabels && k < sizeof(v); j++)
			k += (size_t)snprintf(v + k, sizeof(v) - k, "%s%s=%s", j ? "," : "",
					      r->sels[i].labels[j][0], r->sels[i].labels[j][1]);
		e |= put(out, outlen, off, "selector", v);
	}
	for (unsigned i = 0; i < r->n_ips; i++) {
		nt_cidr_fmt(&r->ips[i], v, sizeof(v));
		e |= put(out, outlen, off, "ip", v);
	}
	for (unsigned i = 0; i < r->n_flows; i++)
		e |= put(out, outlen, off, "flow", r->flows[i]);
	for (unsigned i = 0; i < r->n_ifaces; i++)
		e |= put(out, outlen, off, "interface", r->ifaces[i]);
	return e;
}

size_t nt_capreq_format(const struct nt_capreq *r, char *out, size_t outlen)
{
	char v[32];
	size_t off = 0;
	int e;

	int m = snprintf(out, outlen, "%s\n", NT_CAPREQ_MAGIC);

	if (m < 0 || (size_t)m >= outlen)
		return 0;
	off = (size_t)m;
	e = format_selectors(r, out, outlen, &off);
	if (r->filter[0])
		e |= put(out, outlen, &off, "filter", r->filter);
	snprintf(v, sizeof(v), "%u", r->duration);
	e |= put(out, outlen, &off, "duration", v);
	if (r->packets) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)r->packets);
		e |= put(out, outlen, &off, "packets", v);
	}
	snprintf(v, sizeof(v), "%llu", (unsigned long long)r->bytes);
	e |= put(out, outlen, &off, "bytes", v);
	snprintf(v, sizeof(v), "%u", r->snaplen);
	e |= put(out, outlen, &off, "snaplen", v);
	if (e || outlen - off < 5)
		return 0;
	memcpy(out + off, "end\n", 5);
	return off + 4;
}

void nt_capframe_head(uint8_t out[5], char type, uint32_t len)
{
	out[0] = (uint8_t)type;
	out[1] = (uint8_t)(len >> 24);
	out[2] = (uint8_t)(len >> 16);
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
}
