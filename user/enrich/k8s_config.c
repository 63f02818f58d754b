// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * k8s_config.c - where the Kubernetes client's options come from (see
 * k8s_config.h): the in-cluster service account (KUBERNETES_SERVICE_HOST,
 * the token and CA under /var/run/secrets/kubernetes.io/serviceaccount),
 * or a kubeconfig's current context (YAML read with libyaml and turned
 * into json-c, or JSON; base64 certificate-authority-data and inline
 * tokens written to 0600 temp files in $TMPDIR). Also the small file and
 * error helpers k8s.c shares. The watch client itself is k8s.c.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "k8s.h"

/* ---------------------------------------------------------------- helpers shared with k8s.c */

void nt_k8s_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

char *nt_k8s_read_file(const char *path, size_t max)
{
	FILE *f = fopen(path, "rb");
	char *b;
	size_t n;

	if (!f)
		return NULL;
	b = malloc(max + 1);
	if (!b) {
		fclose(f);
		return NULL;
	}
	n = fread(b, 1, max, f);
	fclose(f);
	b[n] = '\0';
	return b;
}

int nt_k8s_readable(const char *p)
{
	return p && access(p, R_OK) == 0;
}

/* ---------------------------------------------------------------- in-cluster */

/* append s to buf at *off; returns the copy or NULL when it does not fit */
static const char *put(char *buf, size_t n, size_t *off, const char *s)
{
	size_t l = strlen(s) + 1;
	char *d;

	if (*off + l > n)
		return NULL;
	d = buf + *off;
	memcpy(d, s, l);
	*off += l;
	return d;
}

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

int nt_k8s_resolve_incluster(struct nt_k8s_opts *o, char *buf, size_t n, char *err, size_t errlen)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST"),
		   *port = getenv("KUBERNETES_SERVICE_PORT");
	char url[512];
	size_t off = 0;

	if (!host || !*host) {
		nt_k8s_errf(err, errlen,
			    "kubernetes: not in a cluster (KUBERNETES_SERVICE_HOST is not set)");
		return -1;
	}
	if (!port || !*port)
		port = "443";
	snprintf(url, sizeof(url), strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host,
		 port);
	if (!nt_k8s_readable(SA_DIR "/token") || !nt_k8s_readable(SA_DIR "/ca.crt")) {
		nt_k8s_errf(err, errlen, "kubernetes: %s/{token,ca.crt} not readable", SA_DIR);
		return -1;
	}
	o->api_url = put(buf, n, &off, url);
	o->token_file = SA_DIR "/token";
	o->ca_file = SA_DIR "/ca.crt";
	if (getenv("NODE_NAME") && *getenv("NODE_NAME"))
		o->node_name = put(buf, n, &off, getenv("NODE_NAME"));
	if (!o->api_url) {
		nt_k8s_errf(err, errlen, "kubernetes: buffer too small");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- kubeconfig */

#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES 200000 /* aliases can make a small file expand a lot */

static int yaml_null(const yaml_node_t *nd)
{
	const char *v = (const char *)nd->data.scalar.value;

	return nd->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
		!strcmp(v, "NULL"));
}

/*
 * A YAML node to json-c: mappings -> objects (scalar keys), sequences ->
 * arrays, scalars -> strings (plain null, ~ and empty -> JSON null). All a
 * kubeconfig needs. -1 past the depth or node budget.
 */
static int yaml_to_json(yaml_document_t *d, yaml_node_t *nd, int depth, size_t *budget,
			struct json_object **out)
{
	*out = NULL;
	if (!nd || depth > YAML_MAX_DEPTH || *budget == 0)
		return -1;
	--*budget;
	if (nd->type == YAML_SCALAR_NODE) {
		if (!yaml_null(nd))
			*out = json_object_new_string_len((const char *)nd->data.scalar.value,
							  (int)nd->data.scalar.length);
		return 0;
	}
	if (nd->type == YAML_SEQUENCE_NODE) {
		struct json_object *a = json_object_new_array();

		for (yaml_node_item_t *it = nd->data.sequence.items.start;
		     it < nd->data.sequence.items.top; it++) {
			struct json_object *v;

			if (yaml_to_json(d, yaml_document_get_node(d, *it), depth + 1, budget,
					 &v)) {
				json_object_put(a);
				return -1;
			}
			json_object_array_add(a, v);
		}
		*out = a;
		return 0;
	}
	if (nd->type == YAML_MAPPING_NODE) {
		struct json_object *m = json_object_new_object();

		for (yaml_node_pair_t *pr = nd->data.mapping.pairs.start;
		     pr < nd->data.mapping.pairs.top; pr++) {
			yaml_node_t *kn = yaml_document_get_node(d, pr->key);
			struct json_object *v;

			if (!kn || kn->type != YAML_SCALAR_NODE)
				continue; /* complex keys: never in a kubeconfig */
			if (yaml_to_json(d, yaml_document_get_node(d, pr->value), depth + 1, budget,
					 &v)) {
				json_object_put(m);
				return -1;
			}
			json_object_object_add(m, (const char *)kn->data.scalar.value, v);
		}
		*out = m;
		return 0;
	}
	return -1;
}

/* the kubeconfig text (YAML, or JSON, which is YAML) to a json-c object, or NULL with err set */
static struct json_object *kubeconfig_doc(const char *path, const char *text, size_t len, char *err,
					  size_t errlen)
{
	const char *p = text + strspn(text, " \t\r\n");
	struct json_object *doc = NULL;
	yaml_parser_t ps;
	yaml_document_t d;
	yaml_node_t *root;
	size_t budget = YAML_MAX_NODES;

	if (*p == '{') { /* kubectl config view -o json: keep JSON's own types */
		doc = json_tokener_parse(p);
		if (doc && json_object_is_type(doc, json_type_object))
			return doc;
		json_object_put(doc); /* not JSON after all: libyaml says where it breaks */
		doc = NULL;
	}
	if (!yaml_parser_initialize(&ps)) {
		nt_k8s_errf(err, errlen,
			    "kubernetes: kubeconfig '%s': cannot start the YAML parser", path);
		return NULL;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
	if (!yaml_parser_load(&ps, &d)) {
		const char *prob = ps.problem ? ps.problem : "cannot parse";

		if (ps.error == YAML_READER_ERROR)
			nt_k8s_errf(err, errlen,
				    "kubernetes: kubeconfig '%s': bad YAML at byte %zu: %s", path,
				    ps.problem_offset, prob);
		else if (ps.context)
			nt_k8s_errf(
				err, errlen,
				"kubernetes: kubeconfig '%s': bad YAML at line %zu, column %zu: %s "
				"(%s at line %zu, column %zu)",
				path, ps.problem_mark.line + 1, ps.problem_mark.column + 1, prob,
				ps.context, ps.context_mark.line + 1, ps.context_mark.column + 1);
		else
			nt_k8s_errf(
				err, errlen,
				"kubernetes: kubeconfig '%s': bad YAML at line %zu, column %zu: %s",
				path, ps.problem_mark.line + 1, ps.problem_mark.column + 1, prob);
		yaml_parser_delete(&ps);
		return NULL;
	}
	root = yaml_document_get_root_node(&d);
	if (!root)
		nt_k8s_errf(err, errlen, "kubernetes: kubeconfig '%s' is empty", path);
	else if (yaml_to_json(&d, root, 0, &budget, &doc))
		nt_k8s_errf(
			err, errlen,
			"kubernetes: kubeconfig '%s': YAML nested too deep or too large (aliases?)",
			path);
	else if (!json_object_is_type(doc, json_type_object))
		nt_k8s_errf(
			err, errlen,
			"kubernetes: kubeconfig '%s' is not a mapping (apiVersion, clusters, contexts, "
			"users, current-context)",
			path);
	if (doc && !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		doc = NULL;
	}
	yaml_document_delete(&d);
	yaml_parser_delete(&ps);
	return doc;
}

/* the entry of a named list (clusters, contexts, users) called name */
static struct json_object *named(struct json_object *doc, const char *list, const char *name)
{
	struct json_object *arr;
	size_t i, cnt;

	if (!name || !json_object_object_get_ex(doc, list, &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return NULL;
	cnt = json_object_array_length(arr);
	for (i = 0; i < cnt; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *nm;

		if (json_object_object_get_ex(e, "name", &nm) &&
		    json_object_is_type(nm, json_type_string) &&
		    !strcmp(json_object_get_string(nm), name))
			return e;
	}
	return NULL;
}

static struct json_object *member(struct json_object *o, const char *k)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static const char *js(struct json_object *o, const char *k)
{
	struct json_object *v = member(o, k);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static const char *js_or(struct json_object *o, const char *k, const char *dflt)
{
	const char *v = js(o, k);

	return v ? v : dflt;
}

/* a YAML 1.1 / JSON boolean that is set (present and not false, no, off) */
static int truthy(struct json_object *v)
{
	static const char *const no[] = { "",	 "false", "False", "FALSE", "no", "No", "NO",
					  "off", "Off",	  "OFF",   "n",	    "N",  "0" };

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return json_object_get_boolean(v);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (!strcmp(json_object_get_string(v), no[i]))
			return 0;
	return 1;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* base64 (whitespace and padding skipped) to a fresh NUL-terminated buffer; NULL on a bad character */
static char *b64_decode(const char *s, size_t *outlen)
{
	size_t n = strlen(s), o = 0;
	char *out = malloc(n / 4 * 3 + 4);
	unsigned acc = 0;
	int bits = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int v = b64val((unsigned char)s[i]);

		if (v < 0) {
			if (strchr(" \t\r\n=", s[i]))
				continue;
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

void nt_k8s_opts_drop_temps(const struct nt_k8s_opts *o)
{
	if (o->ca_is_temp && o->ca_file)
		unlink(o->ca_file);
	if (o->token_is_temp && o->token_file)
		unlink(o->token_file);
}

/* data to a fresh 0600 temp file in $TMPDIR (or /tmp); its path to buf */
static const char *to_temp(const char *data, size_t dlen, char *buf, size_t n, size_t *off)
{
	const char *dir = getenv("TMPDIR");
	char path[512];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if (snprintf(path, sizeof(path), "%s/nettrail-k8s-XXXXXX", dir) >= (int)sizeof(path))
		return NULL;
	fd = mkstemp(path);
	FILE *f;
	int bad;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "wb");
	if (!f) {
		close(fd);
		unlink(path);
		return NULL;
	}
	bad = fwrite(data, 1, dlen, f) != dlen;
	bad |= fclose(f) != 0;
	if (!bad) {
		const char *r = put(buf, n, off, path);

		if (r)
			return r;
	}
	unlink(path);
	return NULL;
}

/* a path from the kubeconfig: relative ones are from the kubeconfig's directory (as kubectl does) */
static const char *put_path(char *buf, size_t n, size_t *off, const char *kcpath, const char *p)
{
	const char *slash = strrchr(kcpath, '/');
	const char *r;
	char *full;

	if (p[0] == '/' || !slash)
		return put(buf, n, off, p);
	if (asprintf(&full, "%.*s/%s", (int)(slash - kcpath), kcpath, p) < 0)
		return NULL;
	r = put(buf, n, off, full);
	free(full);
	return r;
}

/* a kubeconfig being loaded: the current context's parts, where the option strings go */
struct kc {
	const char *path;		    /* the kubeconfig (messages, relative paths) */
	struct json_object *cluster, *user; /* the current context's entries */
	const char *cname, *uname;	    /* their names */
	char *buf; /* the strings the options point to: n bytes, off used */
	size_t n, off;
	char *err;
	size_t errlen;
};

#define USE_TOKEN "not supported: give the user a token or tokenFile (e.g. a ServiceAccount token)"

/* "kubernetes: kubeconfig 'PATH': " and the message into the error; returns -1 */
__attribute__((format(printf, 2, 3))) static int kc_fail(const struct kc *c, const char *fmt, ...)
{
	va_list ap;
	int l;

	if (!c->err || !c->errlen)
		return -1;
	l = snprintf(c->err, c->errlen, "kubernetes: kubeconfig '%s': ", c->path);
	if (l >= 0 && (size_t)l < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + l, c->errlen - (size_t)l, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* the kubeconfig file parsed, or NULL with err set */
static struct json_object *kc_read(const char *path, char *err, size_t errlen)
{
	struct json_object *doc;
	struct stat st;
	char *text;

	if (!path || !*path) {
		nt_k8s_errf(err, errlen, "kubernetes: no kubeconfig path");
		return NULL;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		nt_k8s_errf(err, errlen, "kubernetes: kubeconfig '%s' is a directory", path);
		return NULL;
	}
	errno = 0;
	text = nt_k8s_read_file(path, 4 << 20);
	if (!text) {
		nt_k8s_errf(err, errlen, "kubernetes: cannot read kubeconfig '%s': %s", path,
			    strerror(errno ? errno : EIO));
		return NULL;
	}
	doc = kubeconfig_doc(path, text, strlen(text), err, errlen);
	free(text);
	return doc;
}

/* the current context's cluster and user (entries and names) into c; 0 or -1 */
static int kc_context(struct kc *c, struct json_object *doc)
{
	const char *cur = js(doc, "current-context");
	struct json_object *ctx;

	if (!cur || !*cur)
		return kc_fail(
			c, "no current-context (choose one with kubectl config use-context NAME)");
	ctx = member(named(doc, "contexts", cur), "context");
	if (!ctx)
		return kc_fail(c, "current-context '%s' is not in contexts", cur);
	c->cname = js(ctx, "cluster");
	c->uname = js(ctx, "user");
	if (!c->cname || !*c->cname)
		return kc_fail(c, "context '%s' names no cluster", cur);
	c->cluster = member(named(doc, "clusters", c->cname), "cluster");
	if (!c->cluster)
		return kc_fail(c, "context '%s' names cluster '%s', which is not in clusters", cur,
			       c->cname);
	if (!c->uname || !*c->uname)
		return kc_fail(c, "context '%s' names no user (anonymous access is not supported)",
			       cur);
	c->user = member(named(doc, "users", c->uname), "user");
	if (!c->user)
		return kc_fail(c, "context '%s' names user '%s', which is not in users", cur,
			       c->uname);
	return 0;
}

/* the cluster's server (https:// only, TLS verification on) to o->api_url; 0 or -1 */
static int kc_server(struct kc *c, struct nt_k8s_opts *o)
{
	const char *server = js(c->cluster, "server");

	if (!server || !*server)
		return kc_fail(c, "cluster '%s' has no server", c->cname);
	if (strncmp(server, "https://", 8))
		return kc_fail(c, "cluster '%s': server '%s' is not https://", c->cname, server);
	if (truthy(member(c->cluster, "insecure-skip-tls-verify")))
		return kc_fail(
			c,
			"cluster '%s' sets insecure-skip-tls-verify: refused (TLS verification is "
			"always on; give certificate-authority or certificate-authority-data)",
			c->cname);
	o->api_url = put(c->buf, c->n, &c->off, server);
	return 0;
}

/* the cluster's CA to o->ca_file: certificate-authority-data (to a temp file) or
 * certificate-authority; 0 or -1 */
static int kc_ca(struct kc *c, struct nt_k8s_opts *o)
{
	const char *v;

	if ((v = js(c->cluster, "certificate-authority-data")) && *v) {
		size_t dl;
		char *pem = b64_decode(v, &dl);

		if (!pem || !strstr(pem, "-----BEGIN CERTIFICATE-----")) {
			free(pem);
			return kc_fail(
				c,
				"cluster '%s': certificate-authority-data is not base64 of a PEM "
				"certificate",
				c->cname);
		}
		o->ca_file = to_temp(pem, dl, c->buf, c->n, &c->off);
		o->ca_is_temp = o->ca_file != NULL;
		free(pem);
		return 0;
	}
	if ((v = js(c->cluster, "certificate-authority")) && *v) {
		o->ca_file = put_path(c->buf, c->n, &c->off, c->path, v);
		if (o->ca_file && !nt_k8s_readable(o->ca_file))
			return kc_fail(c,
				       "cluster '%s': certificate-authority '%s' is not readable",
				       c->cname, o->ca_file);
		return 0;
	}
	return kc_fail(c,
		       "cluster '%s' has no certificate-authority or certificate-authority-data "
		       "(the system store is not used)",
		       c->cname);
}

/* the user has no token: name what it has instead (none of it is supported); -1 */
static int kc_other_auth(const struct kc *c)
{
	struct json_object *us = c->user, *x;

	if ((x = member(us, "exec")))
		return kc_fail(
			c, "user '%s' uses an exec credential plugin (command '%s'): " USE_TOKEN,
			c->uname, js_or(x, "command", "?"));
	if ((x = member(us, "auth-provider")))
		return kc_fail(c, "user '%s' uses the auth-provider plugin '%s': " USE_TOKEN,
			       c->uname, js_or(x, "name", "?"));
	if (js(us, "client-certificate") || js(us, "client-certificate-data") ||
	    js(us, "client-key") || js(us, "client-key-data"))
		return kc_fail(c, "user '%s' uses a client certificate (%s): " USE_TOKEN, c->uname,
			       js(us, "client-certificate-data") ? "client-certificate-data" :
			       js(us, "client-certificate")	 ? "client-certificate" :
								   "client-key");
	if (js(us, "username") || js(us, "password"))
		return kc_fail(c, "user '%s' uses basic auth (username/password): " USE_TOKEN,
			       c->uname);
	return kc_fail(c, "user '%s' has no token or tokenFile", c->uname);
}

/* the user's token to o->token_file: tokenFile, or token (to a temp file); 0 or -1 */
static int kc_token(struct kc *c, struct nt_k8s_opts *o)
{
	const char *v;

	if ((v = js(c->user, "tokenFile")) && *v) {
		o->token_file = put_path(c->buf, c->n, &c->off, c->path, v);
		if (o->token_file && !nt_k8s_readable(o->token_file))
			return kc_fail(c, "user '%s': tokenFile '%s' is not readable", c->uname,
				       o->token_file);
		return 0;
	}
	if ((v = js(c->user, "token")) && *v) {
		o->token_file = to_temp(v, strlen(v), c->buf, c->n, &c->off);
		o->token_is_temp = o->token_file != NULL;
		return 0;
	}
	return kc_other_auth(c);
}

int nt_k8s_load_kubeconfig(const char *path, struct nt_k8s_opts *o, char *buf, size_t n, char *err,
			   size_t errlen)
{
	struct kc c = { .path = path, .buf = buf, .n = n, .err = err, .errlen = errlen };
	struct json_object *doc = kc_read(path, err, errlen);
	int rc;

	if (!doc)
		return -1;
	rc = kc_context(&c, doc) || kc_server(&c, o) || kc_ca(&c, o) || kc_token(&c, o) ? -1 : 0;
	if (!rc && (!o->api_url || !o->ca_file || !o->token_file))
		rc = kc_fail(&c, "buffer too small or temporary file failed");
	if (rc) { /* no temp file outlives a failure */
		nt_k8s_opts_drop_temps(o);
		o->ca_is_temp = o->token_is_temp = 0;
	}
	json_object_put(doc);
	return rc;
}
