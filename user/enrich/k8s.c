// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * k8s.c - list+watch client of the Kubernetes API (see k8s.h and
 * docs/kubernetes.md). One thread drives six transfers with curl_multi:
 * for each resource, paginated lists (limit=500, continue tokens), then a
 * watch from the list's resourceVersion with bookmarks, parsed
 * incrementally with json_tokener as the chunks arrive. Parsed events are
 * queued per resource and applied to the identity store (k8s_ident.c) in
 * one batch under the write lock after each curl_multi_perform() round.
 * Where the options come from (in-cluster, kubeconfig): k8s_config.c.
 */
#include <curl/curl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "k8s.h"
#include "util.h"
#include "log.h"
#include "k8s_ident.h"

#define LIST_LIMIT	  500
#define BACKOFF_MIN_MS	  500
#define BACKOFF_MAX_MS	  30000
#define AUTH_RETRY_MS	  1000 /* after a 401 with the token unchanged: 0.75 to 1.25 s */
#define RETRY_AFTER_MAX_S 60   /* Retry-After (429, 503) is honoured up to this */
#define FORBIDDEN_RETRY_S 60   /* default forbidden_retry_s */
#define QUICK_403_TRIES	  5    /* 403s retried at 0.5, 1, 2, 4, 8 s before forbid() */
#define JSON_DEPTH	  128

enum phase { PH_LIST, PH_WATCH };

struct nt_k8s;

struct res {
	struct nt_k8s *k;
	enum nt_k8s_res r;
	char path[64]; /* /api/v1/pods, /apis/apps/v1/replicasets: res_path() */
	enum phase phase;
	int listing; /* a list is under way (marked; pages applied) */
	int listed_once;
	char *cont;  /* continue token of the next page */
	char rv[64]; /* where the watch starts */
	CURL *easy;
	int active;
	struct curl_slist *hdrs;
	long http;
	int got_200;
	int relist; /* an ERROR 410 event arrived */
	int parse_error;
	char *buf; /* list body, or a failed watch's Status */
	size_t len, cap;
	json_tokener *tok;
	struct json_object **q; /* parsed watch events not applied yet */
	size_t nq, capq;
	uint64_t next_ms;
	unsigned backoff_ms;
	uint64_t last_rx_ms;
	unsigned token_gen; /* k->token_gen when the request was sent */
	int forbidden;	    /* 0, or 1 + the phase that was answered 403 */
	int quick_403;	    /* 403s in a row on a resource that worked */
	int auth_wait;	    /* waiting after a 401: a new token ends the wait */
};

struct nt_k8s {
	char *api_url, *token_file, *ca_file, *node_name;
	unsigned timeout_s, grace_s, watch_idle_s, watch_timeout_s;
	char *token;
	unsigned token_gen; /* bumped when the token's content changes */
	unsigned forbidden_retry_s;
	struct stat token_st;
	pthread_rwlock_t lock;
	pthread_mutex_t stats_mu;
	struct nt_k8s_stats st;
	struct nt_k8s_store *store;
	CURLM *multi;
	pthread_t thr;
	atomic_int stop;
	struct res res[NT_K8S_R_COUNT];
	unsigned rnd;
};

/* API groups ("" is the core group), all at version v1: the paths and RBAC messages */
static const char *const res_groups[NT_K8S_R_COUNT] = {
	[NT_K8S_R_NAMESPACES] = "", [NT_K8S_R_NODES] = "",    [NT_K8S_R_REPLICASETS] = "apps",
	[NT_K8S_R_JOBS] = "batch",  [NT_K8S_R_SERVICES] = "", [NT_K8S_R_PODS] = "",
};

/* the collection's path: /api/v1/pods (core group), /apis/apps/v1/replicasets */
static void res_path(enum nt_k8s_res r, char *out, size_t n)
{
	const char *g = res_groups[r];

	if (*g)
		snprintf(out, n, "/apis/%s/v1/%s", g, nt_k8s_res_name(r));
	else
		snprintf(out, n, "/api/v1/%s", nt_k8s_res_name(r));
}

#define STAT_ADD(k, field, n)                         \
	do {                                          \
		pthread_mutex_lock(&(k)->stats_mu);   \
		(k)->st.field += (n);                 \
		pthread_mutex_unlock(&(k)->stats_mu); \
	} while (0)

/* ---------------------------------------------------------------- token */

/* re-read the token if the file changed (or force); 0 when we have one */
static int token_refresh(struct nt_k8s *k, int force)
{
	struct stat st;

	if (stat(k->token_file, &st) != 0)
		return k->token ? 0 : -1;
	if (!force && k->token && st.st_mtim.tv_sec == k->token_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == k->token_st.st_mtim.tv_nsec &&
	    st.st_size == k->token_st.st_size && st.st_ino == k->token_st.st_ino)
		return 0;
	char *t = nt_k8s_read_file(k->token_file, 64 * 1024);

	if (!t)
		return k->token ? 0 : -1;
	size_t a = strspn(t, " \t\r\n"), n = strlen(t + a);

	memmove(t, t + a, n + 1);
	while (n && strchr(" \t\r\n", t[n - 1]))
		t[--n] = '\0';
	if (!k->token || strcmp(k->token, t))
		k->token_gen++;
	free(k->token);
	k->token = t;
	k->token_st = st;
	return 0;
}

/* ---------------------------------------------------------------- backoff */

static unsigned rnd(struct nt_k8s *k)
{
	k->rnd = k->rnd * 1103515245u + 12345u;
	return k->rnd >> 8;
}

/* after a 401 whose token is still the file's: about a second, not the growing backoff */
static void auth_retry(struct res *rs, uint64_t now)
{
	rs->next_ms = now + AUTH_RETRY_MS * 3 / 4 + rnd(rs->k) % (AUTH_RETRY_MS / 2 + 1);
	rs->auth_wait = 1;
}

/* the token changed: every resource waiting after a 401 tries it now */
static void auth_wake(struct nt_k8s *k, uint64_t now)
{
	for (int i = 0; i < NT_K8S_R_COUNT; i++)
		if (k->res[i].auth_wait && !k->res[i].active)
			k->res[i].next_ms = now;
}

/* wait half to all of the current backoff, then double it (capped) */
static void backoff(struct res *rs, uint64_t now)
{
	unsigned b = rs->backoff_ms ? rs->backoff_ms : BACKOFF_MIN_MS;
	unsigned wait = b / 2 + rnd(rs->k) % (b / 2 + 1);

	rs->next_ms = now + wait;
	rs->backoff_ms = b * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : b * 2;
}

/* ---------------------------------------------------------------- transfers */

/* p (*cap elements of sz bytes) with room for need: doubled from first as
 * often as it takes; NULL when out of memory (p is kept) */
static void *grow(void *p, size_t *cap, size_t need, size_t sz, size_t first)
{
	size_t c = *cap ? *cap : first;

	if (need <= *cap)
		return p;
	while (c < need)
		c *= 2;
	p = realloc(p, c * sz);
	if (p)
		*cap = c;
	return p;
}

static int buf_add(struct res *rs, const char *d, size_t n)
{
	char *b = grow(rs->buf, &rs->cap, rs->len + n + 1, 1, 65536);

	if (!b)
		return -1;
	rs->buf = b;
	memcpy(rs->buf + rs->len, d, n);
	rs->len += n;
	rs->buf[rs->len] = '\0';
	return 0;
}

static void q_push(struct res *rs, struct json_object *o)
{
	struct json_object **q = grow(rs->q, &rs->capq, rs->nq + 1, sizeof(*q), 64);

	if (!q) {
		json_object_put(o);
		rs->parse_error = 1;
		return;
	}
	rs->q = q;
	rs->q[rs->nq++] = o;
}

static size_t on_data(char *d, size_t sz, size_t nm, void *arg)
{
	struct res *rs = arg;
	size_t n = sz * nm, off = 0;

	rs->last_rx_ms = nt_mono_ms();
	if (!rs->http)
		curl_easy_getinfo(rs->easy, CURLINFO_RESPONSE_CODE, &rs->http);
	if (rs->phase == PH_LIST || rs->http != 200) {
		if (rs->phase != PH_LIST && rs->len > 65536)
			return n; /* a Status body is small; keep the start */
		return buf_add(rs, d, n) ? 0 : n;
	}
	while (off < n) {
		struct json_object *o = json_tokener_parse_ex(rs->tok, d + off, (int)(n - off));
		enum json_tokener_error e = json_tokener_get_error(rs->tok);

		if (e == json_tokener_continue)
			break;
		if (e != json_tokener_success || !o) {
			rs->parse_error = 1;
			return 0; /* abort the transfer */
		}
		off += json_tokener_get_parse_end(rs->tok);
		json_tokener_reset(rs->tok);
		q_push(rs, o);
	}
	return n;
}

static char *url_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *r = e ? strdup(e) : NULL;

	curl_free(e);
	return r;
}

static void start(struct res *rs, uint64_t now)
{
	struct nt_k8s *k = rs->k;
	char url[4096], hdr[256];
	char *auth;
	unsigned gen = k->token_gen;

	token_refresh(k, 0);
	if (k->token_gen != gen)
		auth_wake(k, now);
	rs->token_gen = k->token_gen;
	rs->auth_wait = 0;
	if (rs->phase == PH_LIST) {
		char *c = rs->cont ? url_escape(rs->cont) : NULL;

		snprintf(url, sizeof(url), "%s%s?limit=%d%s%s", k->api_url, rs->path, LIST_LIMIT,
			 c ? "&continue=" : "", c ? c : "");
		free(c);
	} else {
		snprintf(
			url, sizeof(url),
			"%s%s?watch=1&allowWatchBookmarks=true&resourceVersion=%s&timeoutSeconds=%u",
			k->api_url, rs->path, rs->rv, k->watch_timeout_s);
	}
	if (!rs->easy)
		rs->easy = curl_easy_init();
	else
		curl_easy_reset(rs->easy);
	CURL *e = rs->easy;

	curl_slist_free_all(rs->hdrs);
	rs->hdrs = NULL;
	if (asprintf(&auth, "Authorization: Bearer %s", k->token ? k->token : "") >= 0) {
		rs->hdrs = curl_slist_append(rs->hdrs, auth);
		free(auth);
	}
	rs->hdrs = curl_slist_append(rs->hdrs, "Accept: application/json");
	snprintf(hdr, sizeof(hdr), "User-Agent: nettrail/%s", "k8s");
	rs->hdrs = curl_slist_append(rs->hdrs, hdr);

	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, rs->hdrs);
	curl_easy_setopt(e, CURLOPT_CAINFO, k->ca_file);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)k->timeout_s);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 10L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, rs);
	curl_easy_setopt(e, CURLOPT_PRIVATE, rs);
	if (rs->phase == PH_LIST) {
		curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* gzip for big lists */
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)k->timeout_s);
	} else {
		/* the idle guard (watch_idle_s) is checked by the loop */
		curl_easy_setopt(e, CURLOPT_TIMEOUT,
				 (long)(k->watch_timeout_s + k->watch_idle_s + 30));
	}
	rs->http = 0;
	rs->got_200 = 0;
	rs->relist = 0;
	rs->parse_error = 0;
	rs->len = 0;
	if (rs->tok)
		json_tokener_reset(rs->tok);
	rs->last_rx_ms = now;
	rs->active = 1;
	curl_multi_add_handle(k->multi, e);
}

static void stop_transfer(struct res *rs)
{
	if (rs->active) {
		curl_multi_remove_handle(rs->k->multi, rs->easy);
		rs->active = 0;
	}
}

static void drop_queue(struct res *rs)
{
	for (size_t i = 0; i < rs->nq; i++)
		json_object_put(rs->q[i]);
	rs->nq = 0;
}

static enum nt_k8s_ev ev_type(const char *t)
{
	if (!t)
		return 0;
	if (!strcmp(t, "ADDED"))
		return NT_K8S_EV_ADDED;
	if (!strcmp(t, "MODIFIED"))
		return NT_K8S_EV_MODIFIED;
	if (!strcmp(t, "DELETED"))
		return NT_K8S_EV_DELETED;
	return 0;
}

static const char *obj_rv(struct json_object *o)
{
	struct json_object *md, *rv;

	if (!json_object_object_get_ex(o, "metadata", &md) ||
	    !json_object_object_get_ex(md, "resourceVersion", &rv) ||
	    !json_object_is_type(rv, json_type_string))
		return NULL;
	return json_object_get_string(rv);
}

static void set_rv(struct res *rs, const char *rv)
{
	if (rv && *rv && strlen(rv) < sizeof(rs->rv))
		strcpy(rs->rv, rv);
}

/* under the write lock: the store's counts and the sync state to the stats */
static void update_counts(struct nt_k8s *k)
{
	struct nt_k8s_store_counts c;
	int synced = 1;
	unsigned mask = 0;

	nt_k8s_store_counts(k->store, &c);
	for (int i = 0; i < NT_K8S_R_COUNT; i++) {
		synced &= k->res[i].listed_once ||
			  k->res[i].forbidden; /* forbidden: nothing to wait for */
		if (k->res[i].forbidden)
			mask |= 1u << i;
	}
	pthread_mutex_lock(&k->stats_mu);
	k->st.forbidden_mask = mask;
	k->st.pods = c.pods;
	k->st.services = c.services;
	k->st.nodes = c.nodes;
	k->st.ip_entries = c.ip_entries;
	k->st.synced = synced;
	pthread_mutex_unlock(&k->stats_mu);
}

/* update_counts, taking the write lock */
static void counts_locked(struct nt_k8s *k)
{
	pthread_rwlock_wrlock(&k->lock);
	update_counts(k);
	pthread_rwlock_unlock(&k->lock);
}

/* every queued watch event of every resource, in one write-locked batch */
static void apply_queued(struct nt_k8s *k)
{
	uint64_t now_s = nt_mono_ms() / 1000, events = 0;
	int any = 0;

	for (int i = 0; i < NT_K8S_R_COUNT; i++)
		any |= k->res[i].nq > 0;
	if (!any)
		return;
	pthread_rwlock_wrlock(&k->lock);
	for (int i = 0; i < NT_K8S_R_COUNT; i++) {
		struct res *rs = &k->res[i];

		for (size_t j = 0; j < rs->nq; j++) {
			struct json_object *ev = rs->q[j], *t, *o = NULL;

			json_object_object_get_ex(ev, "object", &o);
			const char *type = json_object_object_get_ex(ev, "type", &t) ?
						   json_object_get_string(t) :
						   NULL;
			enum nt_k8s_ev et = ev_type(type);

			if (rs->relist || !o) {
				continue;
			} else if (et) {
				nt_k8s_store_apply(k->store, rs->r, et, o, now_s);
				set_rv(rs, obj_rv(o));
				events++;
			} else if (type && !strcmp(type, "BOOKMARK")) {
				set_rv(rs, obj_rv(o));
			} else if (type && !strcmp(type, "ERROR")) {
				struct json_object *code;

				if (json_object_object_get_ex(o, "code", &code) &&
				    json_object_get_int(code) == 410)
					rs->relist = 1;
				else
					rs->parse_error = 1;
			}
		}
		drop_queue(rs);
	}
	nt_k8s_store_flush(k->store, now_s);
	update_counts(k);
	pthread_rwlock_unlock(&k->lock);
	if (events)
		STAT_ADD(k, watch_events, events);
}

static void to_list(struct res *rs)
{
	rs->phase = PH_LIST;
	rs->listing = 0;
	free(rs->cont);
	rs->cont = NULL;
}

static const char *const phase_verb[] = { [PH_LIST] = "list", [PH_WATCH] = "watch" };

/* "replicasets.apps" or "pods" (core group) */
static void res_fullname(const struct res *rs, char *out, size_t n)
{
	const char *g = res_groups[rs->r];

	snprintf(out, n, "%s%s%s", nt_k8s_res_name(rs->r), *g ? "." : "", g);
}

/*
 * 403 (RBAC): say once which rule is missing, count the resource as synced
 * (there is nothing to wait for), try it again every forbidden_retry_s
 * from a fresh list.
 */
static void forbid(struct res *rs, uint64_t now)
{
	struct nt_k8s *k = rs->k;
	const char *g = res_groups[rs->r];
	char full[64], where[64];

	STAT_ADD(k, forbidden, 1);
	if (!rs->forbidden) {
		res_fullname(rs, full, sizeof(full));
		if (*g)
			snprintf(where, sizeof(where), "in group %s", g);
		else
			snprintf(where, sizeof(where), "in the core group (\"\")");
		nt_warn("kubernetes: %s %s forbidden: add get/list/watch on %s %s to the "
			"ClusterRole (retrying every %u s)",
			phase_verb[rs->phase], full, nt_k8s_res_name(rs->r), where,
			k->forbidden_retry_s);
	}
	rs->forbidden = 1 + (int)rs->phase;
	to_list(rs);
	rs->next_ms = now + k->forbidden_retry_s * 1000ull;
	counts_locked(k);
}

/* the verb that was forbidden works now (caller updates the counts) */
static void allowed_again(struct res *rs, enum phase ph)
{
	char full[64];

	if (rs->forbidden != 1 + (int)ph)
		return;
	rs->forbidden = 0;
	res_fullname(rs, full, sizeof(full));
	nt_warn("kubernetes: %s %s allowed now", phase_verb[ph], full);
}

/* a list page arrived whole: apply it */
static int list_page(struct res *rs, uint64_t now)
{
	struct nt_k8s *k = rs->k;
	json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	struct json_object *doc =
		tok ? json_tokener_parse_ex(tok, rs->buf ? rs->buf : "", (int)rs->len) : NULL;
	struct json_object *items = NULL, *md = NULL, *c = NULL;

	if (tok)
		json_tokener_free(tok);
	if (!doc || !json_object_object_get_ex(doc, "items", &items) ||
	    !json_object_object_get_ex(doc, "metadata", &md)) {
		json_object_put(doc);
		return -1;
	}
	const char *rv = obj_rv(doc);
	const char *cont =
		json_object_object_get_ex(md, "continue", &c) ? json_object_get_string(c) : NULL;
	uint64_t now_s = now / 1000;

	allowed_again(rs, PH_LIST);
	pthread_rwlock_wrlock(&k->lock);
	if (!rs->listing) {
		nt_k8s_store_mark(k->store, rs->r);
		rs->listing = 1;
	}
	if (json_object_is_type(items, json_type_array)) {
		size_t n = json_object_array_length(items);

		for (size_t i = 0; i < n; i++)
			nt_k8s_store_apply(k->store, rs->r, NT_K8S_EV_ADDED,
					   json_object_array_get_idx(items, i), now_s);
	}
	free(rs->cont);
	rs->cont = cont && *cont ? strdup(cont) : NULL;
	if (!rs->cont) {
		nt_k8s_store_sweep(k->store, rs->r, now_s);
		rs->listing = 0;
		rs->listed_once = 1;
		set_rv(rs, rv);
		rs->phase = PH_WATCH;
	}
	nt_k8s_store_flush(k->store, now_s);
	update_counts(k);
	pthread_rwlock_unlock(&k->lock);
	json_object_put(doc);
	if (rs->phase == PH_WATCH)
		STAT_ADD(k, lists, 1);
	return 0;
}

/* a failed request: after the server's Retry-After (429, 503; capped, plus
 * up to 10 % jitter, never earlier) when it gave one, else the backoff */
static void retry_later(struct res *rs, long http, curl_off_t retry_after_s, uint64_t now)
{
	if ((http == 429 || http == 503) && retry_after_s > 0) {
		uint64_t ms = (uint64_t)(retry_after_s > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S :
									     retry_after_s) *
			      1000;

		rs->next_ms = now + ms + rnd(rs->k) % (ms / 10 + 1);
		return;
	}
	backoff(rs, now);
}

static void finished(struct res *rs, CURLcode cc, uint64_t now)
{
	struct nt_k8s *k = rs->k;
	long http = 0;
	curl_off_t ra = 0;

	curl_easy_getinfo(rs->easy, CURLINFO_RESPONSE_CODE, &http);
	if (curl_easy_getinfo(rs->easy, CURLINFO_RETRY_AFTER, &ra) != CURLE_OK)
		ra = 0;
	stop_transfer(rs);
	nt_debug("kubernetes: %s %s ended: curl %d (%s), HTTP %ld%s%s", nt_k8s_res_name(rs->r),
		 rs->phase == PH_LIST ? "list" : "watch", (int)cc, curl_easy_strerror(cc), http,
		 rs->relist ? ", 410 event" : "", rs->parse_error ? ", bad JSON" : "");
	if (http == 401) { /* re-read the token now: a new one is tried at once */
		STAT_ADD(k, auth_errors, 1);
		token_refresh(k, 1);
		if (k->token_gen != rs->token_gen) {
			rs->next_ms = now;
			auth_wake(k, now);
		} else {
			auth_retry(rs, now);
		}
		return;
	}
	if (http == 403) {
		/* A resource that worked and now answers 403: a restarting
		 * apiserver does that for every resource until its RBAC
		 * authorizer has loaded the roles (measured against kube-apiserver
		 * v1.37, tests/k8s/real/test_watch.py). Retried quickly a few
		 * times before it is believed, so a restart costs seconds,
		 * not forbidden_retry_s. */
		if (rs->listed_once && !rs->forbidden && rs->quick_403 < QUICK_403_TRIES) {
			STAT_ADD(k, forbidden, 1);
			rs->next_ms = now + ((uint64_t)BACKOFF_MIN_MS << rs->quick_403++);
			return;
		}
		forbid(rs, now);
		return;
	}
	/* 410 Gone: a list's continue token expired, or a watch's resourceVersion is
	 * too old (HTTP 410 or an ERROR 410 event, which only watches get): list
	 * again from the start */
	if (http == 410 || rs->relist) {
		STAT_ADD(k, relists_410, 1);
		to_list(rs);
		rs->next_ms = now;
		return;
	}
	if (rs->phase == PH_LIST && cc == CURLE_OK && http == 200 && list_page(rs, now) == 0) {
		rs->backoff_ms = 0;
		rs->quick_403 = 0;
		rs->next_ms = now;
		return;
	}
	if (rs->phase == PH_LIST || http != 200) {
		STAT_ADD(k, errors, 1);
		retry_later(rs, http, ra, now);
		return;
	}
	/* a watch that was open ended */
	STAT_ADD(k, reconnects, 1);
	if (cc == CURLE_OK && !rs->parse_error) {
		rs->next_ms = now; /* a clean end (timeoutSeconds): at once */
		return;
	}
	if (rs->parse_error)
		STAT_ADD(k, errors, 1);
	backoff(rs, now);
}

/* a watch whose answer is 200 is open (once): the backoff ends, a forbidden watch is allowed */
static void watch_check_open(struct res *rs, uint64_t now)
{
	long code = 0;

	if (rs->phase != PH_WATCH || rs->got_200)
		return;
	curl_easy_getinfo(rs->easy, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200)
		return;
	rs->got_200 = 1;
	rs->backoff_ms = 0;
	rs->quick_403 = 0;
	rs->last_rx_ms = now;
	STAT_ADD(rs->k, watches, 1);
	if (rs->forbidden == 1 + (int)PH_WATCH) {
		allowed_again(rs, PH_WATCH);
		counts_locked(rs->k);
	}
}

static void *run(void *arg)
{
	struct nt_k8s *k = arg;
	uint64_t last_flush = 0;

	while (!atomic_load(&k->stop)) {
		uint64_t now = nt_mono_ms();
		int running, msgs;
		CURLMsg *m;

		for (int i = 0; i < NT_K8S_R_COUNT; i++) {
			struct res *rs = &k->res[i];

			if (!rs->active && now >= rs->next_ms)
				start(rs, now);
		}
		curl_multi_perform(k->multi, &running);
		for (int i = 0; i < NT_K8S_R_COUNT; i++)
			if (k->res[i].active)
				watch_check_open(&k->res[i], now);
		apply_queued(k);
		now = nt_mono_ms();
		while ((m = curl_multi_info_read(k->multi, &msgs))) {
			struct res *rs = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&rs);
			if (rs) {
				watch_check_open(rs,
						 now); /* it may end before the loop saw it open */
				finished(rs, m->data.result, now);
			}
		}
		/* a watch with nothing (no event, no bookmark) for watch_idle_s */
		for (int i = 0; i < NT_K8S_R_COUNT; i++) {
			struct res *rs = &k->res[i];

			if (rs->active && rs->phase == PH_WATCH &&
			    now - rs->last_rx_ms > k->watch_idle_s * 1000ull) {
				stop_transfer(rs);
				drop_queue(rs);
				STAT_ADD(k, errors, 1);
				STAT_ADD(k, reconnects, 1);
				backoff(rs, now);
			}
		}
		if (now - last_flush >= 1000) { /* collect expired graces */
			pthread_rwlock_wrlock(&k->lock);
			nt_k8s_store_flush(k->store, now / 1000);
			update_counts(k);
			pthread_rwlock_unlock(&k->lock);
			last_flush = now;
		}
		long wait = 1000;

		for (int i = 0; i < NT_K8S_R_COUNT; i++) {
			struct res *rs = &k->res[i];

			if (!rs->active) {
				long d = rs->next_ms > now ? (long)(rs->next_ms - now) : 0;

				if (d < wait)
					wait = d;
			}
		}
		if (wait > 0)
			curl_multi_poll(k->multi, NULL, 0, (int)wait, NULL);
	}
	return NULL;
}

/* ---------------------------------------------------------------- public */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void k_free(struct nt_k8s *k)
{
	for (int i = 0; i < NT_K8S_R_COUNT; i++) {
		struct res *rs = &k->res[i];

		stop_transfer(rs);
		if (rs->easy)
			curl_easy_cleanup(rs->easy);
		curl_slist_free_all(rs->hdrs);
		drop_queue(rs);
		free(rs->q);
		free(rs->buf);
		free(rs->cont);
		if (rs->tok)
			json_tokener_free(rs->tok);
	}
	if (k->multi)
		curl_multi_cleanup(k->multi);
	nt_k8s_store_free(k->store);
	pthread_rwlock_destroy(&k->lock);
	pthread_mutex_destroy(&k->stats_mu);
	free(k->api_url);
	free(k->token_file);
	free(k->ca_file);
	free(k->node_name);
	free(k->token);
	free(k);
}

struct nt_k8s *nt_k8s_start(const struct nt_k8s_opts *o, char *err, size_t errlen)
{
	struct nt_k8s *k;
	pthread_rwlockattr_t ra;

	if (!o || !o->api_url || strncmp(o->api_url, "https://", 8) || !o->api_url[8] ||
	    strlen(o->api_url) > 1024) {
		nt_k8s_errf(err, errlen,
			    "kubernetes: API URL must be https://host[:port], got '%s'",
			    o && o->api_url ? o->api_url : "");
		return NULL;
	}
	if (!nt_k8s_readable(o->ca_file)) {
		nt_k8s_errf(err, errlen, "kubernetes: CA file '%s' is not readable",
			    o->ca_file ? o->ca_file : "");
		return NULL;
	}
	if (!nt_k8s_readable(o->token_file)) {
		nt_k8s_errf(err, errlen, "kubernetes: token file '%s' is not readable",
			    o->token_file ? o->token_file : "");
		return NULL;
	}
	pthread_once(&curl_once, curl_init_once);
	k = calloc(1, sizeof(*k));
	if (!k) {
		nt_k8s_errf(err, errlen, "kubernetes: out of memory");
		return NULL;
	}
	k->api_url = strdup(o->api_url);
	while (strlen(k->api_url) > 8 && k->api_url[strlen(k->api_url) - 1] == '/')
		k->api_url[strlen(k->api_url) - 1] = '\0';
	k->token_file = strdup(o->token_file);
	k->ca_file = strdup(o->ca_file);
	k->node_name = o->node_name ? strdup(o->node_name) : NULL;
	k->timeout_s = o->timeout_s ? o->timeout_s : 10;
	k->grace_s = o->delete_grace_s ? o->delete_grace_s : 60;
	k->watch_idle_s = o->watch_idle_s ? o->watch_idle_s : 120;
	k->watch_timeout_s = o->watch_timeout_s ? o->watch_timeout_s : 300;
	k->forbidden_retry_s = o->forbidden_retry_s ? o->forbidden_retry_s : FORBIDDEN_RETRY_S;
	k->rnd = (unsigned)getpid() ^ (unsigned)nt_mono_ms();
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&k->lock, &ra);
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&k->stats_mu, NULL);
	k->store = nt_k8s_store_new(k->grace_s);
	k->multi = curl_multi_init();
	if (token_refresh(k, 1)) {
		nt_k8s_errf(err, errlen, "kubernetes: cannot read token file '%s'", o->token_file);
		k_free(k);
		return NULL;
	}
	for (int i = 0; i < NT_K8S_R_COUNT; i++) {
		struct res *rs = &k->res[i];

		rs->k = k;
		rs->r = (enum nt_k8s_res)i;
		res_path(rs->r, rs->path, sizeof(rs->path));
		rs->phase = PH_LIST;
		rs->tok = json_tokener_new_ex(JSON_DEPTH);
	}
	if (!k->multi || pthread_create(&k->thr, NULL, run, k)) {
		nt_k8s_errf(err, errlen, "kubernetes: cannot start the watcher thread");
		k_free(k);
		return NULL;
	}
	return k;
}

void nt_k8s_stop(struct nt_k8s *k)
{
	if (!k)
		return;
	if (k->multi) { /* a client; nt_k8s_from_store() made none */
		atomic_store(&k->stop, 1);
		curl_multi_wakeup(k->multi);
		pthread_join(k->thr, NULL);
	}
	k_free(k);
}

struct nt_k8s *nt_k8s_from_store(struct nt_k8s_store *store)
{
	struct nt_k8s *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	pthread_rwlock_init(&k->lock, NULL);
	pthread_mutex_init(&k->stats_mu, NULL);
	k->store = store;
	k->st.synced = 1;
	return k;
}

void nt_k8s_read_lock(struct nt_k8s *k)
{
	pthread_rwlock_rdlock(&k->lock);
}

void nt_k8s_read_unlock(struct nt_k8s *k)
{
	pthread_rwlock_unlock(&k->lock);
}

const struct nt_k8s_endpoint *nt_k8s_lookup(struct nt_k8s *k, const uint8_t ip[16], uint64_t now_s)
{
	return nt_k8s_store_lookup(k->store, ip, now_s);
}

const struct nt_k8s_endpoint *nt_k8s_pod_by_uid(struct nt_k8s *k, const char *uid)
{
	return nt_k8s_store_pod_by_uid(k->store, uid);
}

void nt_k8s_each_pod(struct nt_k8s *k, nt_k8s_pod_fn fn, void *ctx)
{
	nt_k8s_store_each_pod(k->store, fn, ctx);
}

void nt_k8s_stats(struct nt_k8s *k, struct nt_k8s_stats *out)
{
	pthread_mutex_lock(&k->stats_mu);
	*out = k->st;
	pthread_mutex_unlock(&k->stats_mu);
}
