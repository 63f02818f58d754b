// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * k8s_ident.c - Kubernetes objects -> IP index of pre-rendered identities.
 *
 * Objects kept (only the fields records need):
 *   pod      ns/name, uid, labels, controller owner, node, service account,
 *            hostNetwork, phase, pod IPs; its rendered JSON
 *   service  ns/name, selector, cluster IPs; its rendered JSON
 *   node     name, InternalIP/ExternalIP addresses; its rendered JSON
 *   owner    a ReplicaSet or Job (as seen from a pod or from its own object):
 *            its controller (Deployment / CronJob), the pods it owns
 *   ns       a namespace name, its pods and services (by name)
 *
 * Two IP tables: pods and services (`ips`), nodes (`node_ips`). A lookup
 * tries `ips` then `node_ips`, so a pod's IP beats a node's address and a
 * host-network pod (which claims nothing) resolves to its node.
 *
 * A pod's IP that is released (pod deleted, Succeeded/Failed, IP changed)
 * keeps pointing to the pod for delete_grace_s seconds (`expires`), unless
 * another pod or service claims it first. A deleted pod's memory lives on
 * until no IP entry points to it and its grace is over (nt_k8s_store_flush).
 *
 * Pods are rendered in nt_k8s_store_flush(): an applied pod, or one whose
 * ReplicaSet/Job or matching service changed, goes on the dirty list.
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "json.h"
#include "k8s_ident.h"

#define POD_MAX_IPS  2 /* dual stack: one per family (API validation) */
#define SVC_MAX_IPS  2
#define NODE_MAX_IPS 8

struct pod;

struct ns {
	UT_hash_handle hh;
	unsigned refs;
	int present; /* the Namespace object exists */
	uint32_t gen;
	struct pod *pods; /* live pods, doubly linked */
	struct svc *svcs; /* services sorted by name */
	char name[];
};

struct istr { /* interned node / service account names */
	UT_hash_handle hh;
	unsigned refs;
	char s[];
};

struct owner { /* a ReplicaSet or Job */
	UT_hash_handle hh;
	unsigned refs; /* pods + 1 while the object exists */
	int present;
	uint32_t gen;
	struct ns *ns;
	char *ctrl_kind, *ctrl_name;
	struct pod *pods; /* via own_next/own_prev */
	char key[];	  /* "R:ns/name" or "J:ns/name" */
};

struct ipent {
	UT_hash_handle hh;
	uint8_t ip[16];
	struct nt_k8s_endpoint *target;	   /* first member of struct pod/svc/node */
	uint64_t expires;		   /* 0: live; else CLOCK_MONOTONIC s */
	struct ipent *exp_next, *exp_prev; /* on the expiring list when expires != 0 */
};

struct pod {
	struct nt_k8s_endpoint ep; /* must stay first */
	UT_hash_handle hh;	   /* by key "ns/name" */
	UT_hash_handle hh_uid;
	char *blk; /* "ns/name\0uid\0okind\0oname\0" + labels "k\0v\0"... */
	const char *key, *owner_kind, *owner_name; /* labels: ep.labels */
	struct ns *ns;
	struct pod *ns_next, *ns_prev;
	struct owner *owner;
	struct pod *own_next, *own_prev;
	struct svc *svc;
	struct istr *node, *sa;
	struct pod *dirty_next; /* dirty list (live pods) or graveyard (dead ones) */
	uint64_t dead_until;
	uint32_t gen, iprefs;
	uint8_t nips, dirty, dead, in_uid;
	uint8_t ips[POD_MAX_IPS][16];
};

struct svc {
	struct nt_k8s_endpoint ep; /* must stay first */
	UT_hash_handle hh;
	struct ns *ns;
	struct svc *ns_next;
	char *key; /* "ns/name" */
	const char *name;
	char *selector; /* "k\0v\0"... */
	uint16_t nsel;
	uint8_t nips;
	uint32_t gen;
	uint8_t ips[SVC_MAX_IPS][16];
};

struct node {
	struct nt_k8s_endpoint ep; /* must stay first */
	UT_hash_handle hh;
	uint32_t gen;
	uint8_t nips;
	uint8_t ips[NODE_MAX_IPS][16];
	char name[];
};

struct nt_k8s_store {
	unsigned grace;
	uint32_t gen[NT_K8S_R_COUNT];
	struct ns *nss;
	struct istr *strs;
	struct owner *owners;
	struct pod *pods, *pods_uid;
	struct svc *svcs;
	struct node *nodes;
	struct ipent *ips, *node_ips;
	struct ipent *exp_head, *exp_tail;
	struct pod *dirty, *graveyard;
	uint64_t ndead;
	struct jw w, tmp;
};

static const char *const res_names[NT_K8S_R_COUNT] = {
	[NT_K8S_R_NAMESPACES] = "namespaces",	[NT_K8S_R_NODES] = "nodes",
	[NT_K8S_R_REPLICASETS] = "replicasets", [NT_K8S_R_JOBS] = "jobs",
	[NT_K8S_R_SERVICES] = "services",	[NT_K8S_R_PODS] = "pods",
};

const char *nt_k8s_res_name(enum nt_k8s_res r)
{
	return (unsigned)r < NT_K8S_R_COUNT ? res_names[r] : "?";
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

static void *xcalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);

	memcpy(p, s, n);
	return p;
}

int nt_k8s_parse_ip(const char *text, uint8_t out[16])
{
	struct in_addr a4;

	if (!text)
		return -1;
	if (inet_pton(AF_INET, text, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
}

/* ---------------------------------------------------------------- JSON access */

static struct json_object *jget(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v = jget(o, k);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* non-empty string or NULL */
static const char *jstrne(struct json_object *o, const char *k)
{
	const char *s = jstr(o, k);

	return s && *s ? s : NULL;
}

/* metadata.namespace, "default" when unset */
static const char *ns_of(struct json_object *md)
{
	const char *ns = jstrne(md, "namespace");

	return ns ? ns : "default";
}

/* "ns/name", the key of a namespaced object (malloc'd); *nsn its namespace */
static char *ns_key(struct json_object *md, const char **nsn)
{
	const char *name = jstrne(md, "name");
	size_t l;
	char *key;

	*nsn = ns_of(md);
	l = strlen(*nsn) + 1 + strlen(name) + 1;
	key = xmalloc(l);
	snprintf(key, l, "%s/%s", *nsn, name);
	return key;
}

/* the controller=true ownerReference, or NULL */
static struct json_object *controller_ref(struct json_object *md)
{
	struct json_object *refs = jget(md, "ownerReferences");
	size_t i, n;

	if (!refs || !json_object_is_type(refs, json_type_array))
		return NULL;
	n = json_object_array_length(refs);
	for (i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(refs, i);
		struct json_object *c = jget(r, "controller");

		if (c && json_object_get_boolean(c) && jstrne(r, "kind") && jstrne(r, "name"))
			return r;
	}
	return NULL;
}

/* string map -> "k\0v\0..." appended at *p (space counted by map_size); count */
static size_t map_size(struct json_object *m)
{
	size_t n = 0;

	if (!m || !json_object_is_type(m, json_type_object))
		return 0;
	json_object_object_foreach(m, k, v)
	{
		if (json_object_is_type(v, json_type_string))
			n += strlen(k) + 1 + (size_t)json_object_get_string_len(v) + 1;
	}
	return n;
}

static uint16_t map_copy(struct json_object *m, char **p)
{
	uint16_t n = 0;

	if (!m || !json_object_is_type(m, json_type_object))
		return 0;
	json_object_object_foreach(m, k, v)
	{
		if (!json_object_is_type(v, json_type_string) || n == UINT16_MAX)
			continue;
		size_t kl = strlen(k) + 1, vl = strlen(json_object_get_string(v)) + 1;

		memcpy(*p, k, kl);
		*p += kl;
		memcpy(*p, json_object_get_string(v), vl);
		*p += vl;
		n++;
	}
	return n;
}

/* value of label k in a "k\0v\0" map of n pairs, or NULL */
static const char *map_find(const char *m, uint16_t n, const char *k)
{
	for (uint16_t i = 0; i < n; i++) {
		const char *v = m + strlen(m) + 1;

		if (!strcmp(m, k))
			return v;
		m = v + strlen(v) + 1;
	}
	return NULL;
}

/* ---------------------------------------------------------------- interning */

/*
 * e = the entry of table tab for the string key, made on demand (zeroed,
 * the key copied into its last member, keymember), with one more
 * reference. For struct ns, istr and owner, which are all a handle hh, a
 * count refs and their key; a macro because uthash tables are typed.
 */
#define INTERN(tab, keymember, key, e)                                       \
	do {                                                                 \
		size_t l_ = strlen(key) + 1;                                 \
                                                                             \
		HASH_FIND(hh, tab, key, l_ - 1, e);                          \
		if (!(e)) {                                                  \
			(e) = xcalloc(sizeof(*(e)) + l_);                    \
			memcpy((e)->keymember, key, l_);                     \
			HASH_ADD_KEYPTR(hh, tab, (e)->keymember, l_ - 1, e); \
		}                                                            \
		(e)->refs++;                                                 \
	} while (0)

static struct ns *ns_get(struct nt_k8s_store *s, const char *name)
{
	struct ns *n;

	INTERN(s->nss, name, name, n);
	return n;
}

static void ns_put(struct nt_k8s_store *s, struct ns *n)
{
	if (n && --n->refs == 0) {
		HASH_DEL(s->nss, n);
		free(n);
	}
}

static struct istr *istr_get(struct nt_k8s_store *s, const char *str)
{
	struct istr *i;

	if (!str)
		return NULL;
	INTERN(s->strs, s, str, i);
	return i;
}

static void istr_put(struct nt_k8s_store *s, struct istr *i)
{
	if (i && --i->refs == 0) {
		HASH_DEL(s->strs, i);
		free(i);
	}
}

/* owner record for kind 'R' or 'J' in ns, created on demand; takes a ref */
static struct owner *owner_get(struct nt_k8s_store *s, char kind, const char *ns, const char *name)
{
	size_t l = 2 + strlen(ns) + 1 + strlen(name) + 1;
	char key[l];
	struct owner *o;

	snprintf(key, l, "%c:%s/%s", kind, ns, name);
	INTERN(s->owners, key, key, o);
	if (!o->ns) /* made now */
		o->ns = ns_get(s, ns);
	return o;
}

static void owner_put(struct nt_k8s_store *s, struct owner *o)
{
	if (o && --o->refs == 0) {
		HASH_DEL(s->owners, o);
		ns_put(s, o->ns);
		free(o->ctrl_kind);
		free(o->ctrl_name);
		free(o);
	}
}

/* ---------------------------------------------------------------- IP tables */

static void exp_unlink(struct nt_k8s_store *s, struct ipent *e)
{
	if (!e->expires)
		return;
	if (e->exp_prev)
		e->exp_prev->exp_next = e->exp_next;
	else
		s->exp_head = e->exp_next;
	if (e->exp_next)
		e->exp_next->exp_prev = e->exp_prev;
	else
		s->exp_tail = e->exp_prev;
	e->exp_next = e->exp_prev = NULL;
	e->expires = 0;
}

static void target_ref(struct nt_k8s_endpoint *t, int d)
{
	if (t && t->kind == NT_K8S_POD)
		((struct pod *)t)->iprefs += (uint32_t)d;
}

static void ip_claim(struct nt_k8s_store *s, struct ipent **tab, const uint8_t ip[16],
		     struct nt_k8s_endpoint *t)
{
	struct ipent *e;

	HASH_FIND(hh, *tab, ip, 16, e);
	if (!e) {
		e = xcalloc(sizeof(*e));
		memcpy(e->ip, ip, 16);
		HASH_ADD(hh, *tab, ip, 16, e);
	}
	exp_unlink(s, e);
	if (e->target != t) {
		target_ref(e->target, -1);
		e->target = t;
		target_ref(t, +1);
	}
}

static void ip_remove(struct nt_k8s_store *s, struct ipent **tab, struct ipent *e)
{
	exp_unlink(s, e);
	target_ref(e->target, -1);
	HASH_DELETE(hh, *tab, e);
	free(e);
}

/* t gives up ip: pods keep it for the grace, others drop it at once */
static void ip_release(struct nt_k8s_store *s, struct ipent **tab, const uint8_t ip[16],
		       struct nt_k8s_endpoint *t, uint64_t now_s)
{
	struct ipent *e;

	HASH_FIND(hh, *tab, ip, 16, e);
	if (!e || e->target != t || e->expires)
		return;
	if (t->kind != NT_K8S_POD || s->grace == 0) {
		ip_remove(s, tab, e);
		return;
	}
	e->expires = now_s + s->grace;
	if (!e->expires)
		e->expires = 1;
	e->exp_prev = s->exp_tail;
	e->exp_next = NULL;
	if (s->exp_tail)
		s->exp_tail->exp_next = e;
	else
		s->exp_head = e;
	s->exp_tail = e;
}

static int ip_in(const uint8_t (*ips)[16], unsigned n, const uint8_t ip[16])
{
	for (unsigned i = 0; i < n; i++)
		if (!memcmp(ips[i], ip, 16))
			return 1;
	return 0;
}

/* add a parsed address to a small set, skipping duplicates */
static void ipset_add(uint8_t (*ips)[16], uint8_t *n, unsigned max, const char *text)
{
	uint8_t ip[16];

	if (*n >= max || !text || nt_k8s_parse_ip(text, ip) ||
	    ip_in((const uint8_t(*)[16])ips, *n, ip))
		return;
	memcpy(ips[(*n)++], ip, 16);
}

/* add the address pick() finds in each element of arr (NULL: none) to a small set */
static void ipset_add_each(uint8_t (*ips)[16], uint8_t *n, unsigned max, struct json_object *arr,
			   const char *(*pick)(struct json_object *e))
{
	size_t cnt;

	if (!arr || !json_object_is_type(arr, json_type_array))
		return;
	cnt = json_object_array_length(arr);
	for (size_t i = 0; i < cnt; i++)
		ipset_add(ips, n, max, pick(json_object_array_get_idx(arr, i)));
}

/* move from old set to new set: release what left, claim what came */
static void ipset_update(struct nt_k8s_store *s, struct ipent **tab, struct nt_k8s_endpoint *t,
			 uint8_t (*cur)[16], uint8_t *ncur, const uint8_t (*nw)[16], uint8_t nnew,
			 uint64_t now_s)
{
	for (unsigned i = 0; i < *ncur; i++)
		if (!ip_in(nw, nnew, cur[i]))
			ip_release(s, tab, cur[i], t, now_s);
	for (unsigned i = 0; i < nnew; i++)
		if (!ip_in((const uint8_t(*)[16])cur, *ncur, nw[i]))
			ip_claim(s, tab, nw[i], t);
	memcpy(cur, nw, (size_t)nnew * 16);
	*ncur = nnew;
}

/* ---------------------------------------------------------------- rendering */

static void set_json(struct nt_k8s_endpoint *ep, struct jw *w)
{
	char *j = xmalloc(w->len + 1);

	memcpy(j, w->buf, w->len);
	j[w->len] = '\0';
	free((char *)ep->json);
	ep->json = j;
	ep->json_len = w->len;
}

/* {"k":"v",...} with escaped keys, as one raw value (jw keys must be constants) */
static void render_map(struct nt_k8s_store *s, struct jw *w, const char *key, const char *m,
		       uint16_t n)
{
	struct jw *t = &s->tmp;

	jw_reset(t);
	jw_raw(t, NULL, "{", 1);
	for (uint16_t i = 0; i < n; i++) {
		const char *v = m + strlen(m) + 1;

		if (i)
			jw_raw(t, NULL, ",", 1);
		jw_str(t, NULL, m);
		jw_raw(t, NULL, ":", 1);
		jw_str(t, NULL, v);
		m = v + strlen(v) + 1;
	}
	jw_raw(t, NULL, "}", 1);
	jw_raw(w, key, t->buf, t->len);
}

/* "key":{"name":name} */
static void render_name_obj(struct jw *w, const char *key, const char *name)
{
	jw_obj_open(w, key);
	jw_str(w, "name", name);
	jw_obj_close(w);
}

/* the identity of a service or node: {"namespace":ns,"<key>":{"name":name}} (ns NULL: none) */
static void render_named(struct nt_k8s_store *s, struct nt_k8s_endpoint *ep, const char *ns,
			 const char *key, const char *name)
{
	struct jw *w = &s->w;

	jw_reset(w);
	jw_obj_open(w, NULL);
	if (ns)
		jw_str(w, "namespace", ns);
	render_name_obj(w, key, name);
	jw_obj_close(w);
	set_json(ep, w);
}

static void render_pod(struct nt_k8s_store *s, struct pod *p)
{
	struct jw *w = &s->w;
	const char *wk = "Pod", *wn = p->ep.pod_name;

	if (p->owner_kind) {
		wk = p->owner_kind;
		wn = p->owner_name;
		if (p->owner && p->owner->present && p->owner->ctrl_kind &&
		    ((!strcmp(wk, "ReplicaSet") && !strcmp(p->owner->ctrl_kind, "Deployment")) ||
		     (!strcmp(wk, "Job") && !strcmp(p->owner->ctrl_kind, "CronJob")))) {
			wk = p->owner->ctrl_kind;
			wn = p->owner->ctrl_name;
		}
	}
	jw_reset(w);
	jw_obj_open(w, NULL);
	jw_str(w, "namespace", p->ns->name);
	jw_obj_open(w, "pod");
	jw_str(w, "name", p->ep.pod_name);
	if (p->ep.pod_uid)
		jw_str(w, "uid", p->ep.pod_uid);
	jw_obj_close(w);
	if (p->ep.nlabels)
		render_map(s, w, "labels", p->ep.labels, p->ep.nlabels);
	jw_obj_open(w, "workload");
	jw_str(w, "kind", wk);
	jw_str(w, "name", wn);
	jw_obj_close(w);
	if (p->svc)
		render_name_obj(w, "service", p->svc->name);
	if (p->node)
		render_name_obj(w, "node", p->node->s);
	if (p->sa)
		jw_str(w, "service_account", p->sa->s);
	jw_obj_close(w);
	set_json(&p->ep, w);
}

static void mark_dirty(struct nt_k8s_store *s, struct pod *p)
{
	if (p->dirty || p->dead)
		return;
	p->dirty = 1;
	p->dirty_next = s->dirty;
	s->dirty = p;
}

/* ---------------------------------------------------------------- services <-> pods */

static int svc_matches(const struct svc *v, const struct pod *p)
{
	const char *m = v->selector;

	if (!v->nsel)
		return 0;
	for (uint16_t i = 0; i < v->nsel; i++) {
		const char *val = m + strlen(m) + 1;
		const char *have = map_find(p->ep.labels, p->ep.nlabels, m);

		if (!have || strcmp(have, val))
			return 0;
		m = val + strlen(val) + 1;
	}
	return 1;
}

/* the first service (by name) of the pod's namespace whose selector matches */
static void pod_find_svc(struct nt_k8s_store *s, struct pod *p)
{
	struct svc *v, *found = NULL;

	for (v = p->ns->svcs; v; v = v->ns_next)
		if (svc_matches(v, p)) {
			found = v;
			break;
		}
	if (found != p->svc) {
		p->svc = found;
		mark_dirty(s, p);
	}
}

/* a service changed (or is going): pods that had it or match it now look again */
static void svc_repoint(struct nt_k8s_store *s, struct svc *v)
{
	for (struct pod *p = v->ns->pods; p; p = p->ns_next)
		if (p->svc == v || svc_matches(v, p))
			pod_find_svc(s, p);
}

/* ---------------------------------------------------------------- pods */

static void pod_unlink_ns(struct pod *p)
{
	if (p->ns_prev)
		p->ns_prev->ns_next = p->ns_next;
	else
		p->ns->pods = p->ns_next;
	if (p->ns_next)
		p->ns_next->ns_prev = p->ns_prev;
	p->ns_next = p->ns_prev = NULL;
}

static void pod_unlink_owner(struct nt_k8s_store *s, struct pod *p)
{
	if (!p->owner)
		return;
	if (p->own_prev)
		p->own_prev->own_next = p->own_next;
	else
		p->owner->pods = p->own_next;
	if (p->own_next)
		p->own_next->own_prev = p->own_prev;
	p->own_next = p->own_prev = NULL;
	owner_put(s, p->owner);
	p->owner = NULL;
}

static void pod_free(struct nt_k8s_store *s, struct pod *p)
{
	for (unsigned i = 0; i < p->nips; i++) {
		struct ipent *e;

		HASH_FIND(hh, s->ips, p->ips[i], 16, e);
		if (e && e->target == &p->ep)
			ip_remove(s, &s->ips, e);
	}
	if (p->in_uid)
		HASH_DELETE(hh_uid, s->pods_uid, p);
	pod_unlink_owner(s, p);
	istr_put(s, p->node);
	istr_put(s, p->sa);
	ns_put(s, p->ns);
	free((char *)p->ep.json);
	free(p->blk);
	free(p);
}

/* remove a live pod from the indexes; it stays resolvable for the grace */
static void pod_delete(struct nt_k8s_store *s, struct pod *p, uint64_t now_s)
{
	uint8_t none[1][16];

	HASH_DELETE(hh, s->pods, p);
	pod_unlink_ns(p);
	pod_unlink_owner(s, p);
	p->svc = NULL; /* the json keeps the name; the pointer may dangle later */
	ipset_update(s, &s->ips, &p->ep, p->ips, &p->nips, (const uint8_t(*)[16])none, 0, now_s);
	if (p->dirty) { /* render it once with what it had */
		struct pod **pp;

		for (pp = &s->dirty; *pp; pp = &(*pp)->dirty_next)
			if (*pp == p) {
				*pp = p->dirty_next;
				break;
			}
		p->dirty = 0;
		render_pod(s, p);
	}
	p->dead = 1;
	p->dead_until = now_s + s->grace;
	p->dirty_next = s->graveyard;
	s->graveyard = p;
	s->ndead++;
}

/* a new pod of namespace nsn, on its namespace's list */
static struct pod *pod_new(struct nt_k8s_store *s, const char *nsn)
{
	struct pod *p = xcalloc(sizeof(*p));

	p->ep.kind = NT_K8S_POD;
	p->ns = ns_get(s, nsn);
	p->ns_next = p->ns->pods;
	if (p->ns_next)
		p->ns_next->ns_prev = p;
	p->ns->pods = p;
	return p;
}

/* the pod's hash entries by name and by uid point into its (new) string block */
static void pod_rehash(struct nt_k8s_store *s, struct pod *p, int was_new)
{
	size_t kl = strlen(p->key);

	if (was_new)
		HASH_ADD_KEYPTR(hh, s->pods, p->key, kl, p);
	else { /* the key string moved: re-point the hash entry */
		HASH_DELETE(hh, s->pods, p);
		HASH_ADD_KEYPTR(hh, s->pods, p->key, kl, p);
	}
	if (p->ep.pod_uid && !p->in_uid) {
		HASH_ADD_KEYPTR(hh_uid, s->pods_uid, p->ep.pod_uid, strlen(p->ep.pod_uid), p);
		p->in_uid = 1;
	} else if (p->in_uid) {
		HASH_DELETE(hh_uid, s->pods_uid, p);
		HASH_ADD_KEYPTR(hh_uid, s->pods_uid, p->ep.pod_uid, strlen(p->ep.pod_uid), p);
	}
}

/* the pod's strings in one block: "ns/name", uid, controller kind and name, labels */
static void pod_set_strings(struct nt_k8s_store *s, struct pod *p, struct json_object *md,
			    const char *key, const char *uid)
{
	struct json_object *oref = controller_ref(md), *labels = jget(md, "labels");
	const char *ok = oref ? jstrne(oref, "kind") : NULL,
		   *on = oref ? jstrne(oref, "name") : NULL;
	size_t kl = strlen(key) + 1;
	size_t bl = kl + (uid ? strlen(uid) : 0) + 1 + (ok ? strlen(ok) + strlen(on) : 0) + 2 +
		    map_size(labels);
	char *blk = xmalloc(bl), *q = blk;

	memcpy(q, key, kl);
	q += kl;
	char *uidp = q;
	q = stpcpy(q, uid ? uid : "") + 1;
	char *okp = q;
	q = stpcpy(q, ok ? ok : "") + 1;
	char *onp = q;
	q = stpcpy(q, on ? on : "") + 1;
	char *lab = q;
	uint16_t nl = map_copy(labels, &q);

	int was_new = p->blk == NULL;
	int uid_changed = !p->ep.pod_uid || !uid || strcmp(uid, p->ep.pod_uid);

	if (p->in_uid && uid_changed) {
		HASH_DELETE(hh_uid, s->pods_uid, p);
		p->in_uid = 0;
	}
	free(p->blk);
	p->blk = blk;
	p->key = blk;
	p->ep.namespace_ = p->ns->name;
	p->ep.pod_name = blk + strlen(p->ns->name) + 1;
	p->ep.pod_uid = uid ? uidp : NULL;
	p->owner_kind = ok ? okp : NULL;
	p->owner_name = ok ? onp : NULL;
	p->ep.labels = lab;
	p->ep.nlabels = nl;
	pod_rehash(s, p, was_new);
}

/* the pod's ReplicaSet or Job record (through which a Deployment or CronJob names it) */
static void pod_set_owner(struct nt_k8s_store *s, struct pod *p)
{
	const char *ok = p->owner_kind;
	struct owner *o = NULL;

	if (ok && (!strcmp(ok, "ReplicaSet") || !strcmp(ok, "Job")))
		o = owner_get(s, ok[0] == 'R' ? 'R' : 'J', p->ns->name, p->owner_name);
	if (o != p->owner) {
		pod_unlink_owner(s, p);
		if (o) {
			p->owner = o;
			p->own_next = o->pods;
			if (o->pods)
				o->pods->own_prev = p;
			o->pods = p;
		}
	} else if (o) {
		owner_put(s, o); /* already held */
	}
}

/* spec: node, service account, hostNetwork */
static void pod_set_spec(struct nt_k8s_store *s, struct pod *p, struct json_object *spec)
{
	struct json_object *hn = jget(spec, "hostNetwork");
	struct istr *node = istr_get(s, jstrne(spec, "nodeName"));
	struct istr *sa = istr_get(s, jstrne(spec, "serviceAccountName"));

	istr_put(s, p->node);
	istr_put(s, p->sa);
	p->node = node;
	p->sa = sa;
	p->ep.host_network = hn && json_object_get_boolean(hn);
}

/* status.podIPs[].ip */
static const char *pod_ip_of(struct json_object *e)
{
	return jstr(e, "ip");
}

/* the pod's IPs: none for host-network pods and finished pods */
static void pod_set_ips(struct nt_k8s_store *s, struct pod *p, struct json_object *st,
			uint64_t now_s)
{
	uint8_t nw[POD_MAX_IPS][16], nn = 0;
	const char *phase = jstr(st, "phase");

	if (!p->ep.host_network &&
	    !(phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))) {
		ipset_add_each(nw, &nn, POD_MAX_IPS, jget(st, "podIPs"), pod_ip_of);
		ipset_add(nw, &nn, POD_MAX_IPS, jstrne(st, "podIP"));
	}
	ipset_update(s, &s->ips, &p->ep, p->ips, &p->nips, (const uint8_t(*)[16])nw, nn, now_s);
}

static void pod_apply(struct nt_k8s_store *s, struct json_object *obj, enum nt_k8s_ev ev,
		      uint64_t now_s)
{
	struct json_object *md = jget(obj, "metadata");
	const char *nsn, *uid = jstrne(md, "uid");
	char *key = ns_key(md, &nsn);
	struct pod *p;

	HASH_FIND_STR(s->pods, key, p);
	if (ev == NT_K8S_EV_DELETED) {
		if (p)
			pod_delete(s, p, now_s);
		free(key);
		return;
	}
	if (p && uid && p->ep.pod_uid && strcmp(uid, p->ep.pod_uid)) {
		/* the same name, another pod (a missed DELETED): the old one goes */
		pod_delete(s, p, now_s);
		p = NULL;
	}
	if (!p)
		p = pod_new(s, nsn);
	pod_set_strings(s, p, md, key, uid);
	free(key);
	pod_set_owner(s, p);
	pod_set_spec(s, p, jget(obj, "spec"));
	pod_set_ips(s, p, jget(obj, "status"), now_s);
	p->gen = s->gen[NT_K8S_R_PODS];
	p->svc = NULL;
	pod_find_svc(s, p);
	mark_dirty(s, p);
}

/* ---------------------------------------------------------------- services */

static void svc_unlink(struct svc *v)
{
	struct svc **pp;

	for (pp = &v->ns->svcs; *pp; pp = &(*pp)->ns_next)
		if (*pp == v) {
			*pp = v->ns_next;
			break;
		}
	v->ns_next = NULL;
}

static void svc_delete(struct nt_k8s_store *s, struct svc *v, uint64_t now_s)
{
	uint8_t none[1][16];

	HASH_DEL(s->svcs, v);
	svc_unlink(v);
	svc_repoint(s, v);
	ipset_update(s, &s->ips, &v->ep, v->ips, &v->nips, (const uint8_t(*)[16])none, 0, now_s);
	ns_put(s, v->ns);
	free((char *)v->ep.json);
	free(v->key);
	free(v->selector);
	free(v);
}

/* a new service: key ("ns/name", taken over), on its namespace's list (sorted by name), rendered */
static struct svc *svc_new(struct nt_k8s_store *s, char *key, const char *nsn)
{
	struct svc *v = xcalloc(sizeof(*v)), **pp;

	v->ep.kind = NT_K8S_SERVICE;
	v->key = key;
	v->name = v->key + strlen(nsn) + 1;
	v->ns = ns_get(s, nsn);
	v->ep.namespace_ = v->ns->name;
	HASH_ADD_KEYPTR(hh, s->svcs, v->key, strlen(v->key), v);
	for (pp = &v->ns->svcs; *pp && strcmp((*pp)->name, v->name) < 0; pp = &(*pp)->ns_next)
		;
	v->ns_next = *pp;
	*pp = v;
	render_named(s, &v->ep, nsn, "service", v->name);
	return v;
}

/* spec.selector; pods look again when it changed */
static void svc_set_selector(struct nt_k8s_store *s, struct svc *v, struct json_object *sel)
{
	size_t sl = map_size(sel);
	char *nsel = xmalloc(sl + 1), *q = nsel;
	uint16_t n = map_copy(sel, &q);

	if (n != v->nsel || memcmp(nsel, v->selector ? v->selector : "", sl)) {
		char *old = v->selector;

		v->selector = nsel;
		v->nsel = n;
		svc_repoint(s, v);
		free(old);
	} else {
		free(nsel);
	}
}

/* spec.clusterIPs[]: "None" for a headless service */
static const char *cluster_ip_of(struct json_object *e)
{
	const char *t =
		e && json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;

	return t && strcmp(t, "None") ? t : NULL;
}

static void svc_apply(struct nt_k8s_store *s, struct json_object *obj, enum nt_k8s_ev ev,
		      uint64_t now_s)
{
	struct json_object *md = jget(obj, "metadata"), *spec = jget(obj, "spec");
	const char *nsn;
	char *key = ns_key(md, &nsn);
	struct svc *v;

	HASH_FIND_STR(s->svcs, key, v);
	if (ev == NT_K8S_EV_DELETED) {
		if (v)
			svc_delete(s, v, now_s);
		free(key);
		return;
	}
	if (v)
		free(key);
	else
		v = svc_new(s, key, nsn);
	v->gen = s->gen[NT_K8S_R_SERVICES];
	svc_set_selector(s, v, jget(spec, "selector"));

	/* cluster IPs */
	uint8_t nw[SVC_MAX_IPS][16], nn = 0;
	const char *cip = jstrne(spec, "clusterIP");

	ipset_add_each(nw, &nn, SVC_MAX_IPS, jget(spec, "clusterIPs"), cluster_ip_of);
	if (cip && strcmp(cip, "None"))
		ipset_add(nw, &nn, SVC_MAX_IPS, cip);
	ipset_update(s, &s->ips, &v->ep, v->ips, &v->nips, (const uint8_t(*)[16])nw, nn, now_s);
}

/* ---------------------------------------------------------------- nodes */

static void node_delete(struct nt_k8s_store *s, struct node *n, uint64_t now_s)
{
	uint8_t none[1][16];

	HASH_DEL(s->nodes, n);
	ipset_update(s, &s->node_ips, &n->ep, n->ips, &n->nips, (const uint8_t(*)[16])none, 0,
		     now_s);
	free((char *)n->ep.json);
	free(n);
}

/* status.addresses[]: the InternalIP and ExternalIP ones */
static const char *node_ip_of(struct json_object *a)
{
	const char *t = jstr(a, "type");

	return t && (!strcmp(t, "InternalIP") || !strcmp(t, "ExternalIP")) ? jstr(a, "address") :
									     NULL;
}

static void node_apply(struct nt_k8s_store *s, struct json_object *obj, enum nt_k8s_ev ev,
		       uint64_t now_s)
{
	struct json_object *md = jget(obj, "metadata"), *st = jget(obj, "status");
	const char *name = jstrne(md, "name");
	struct node *n;

	HASH_FIND_STR(s->nodes, name, n);
	if (ev == NT_K8S_EV_DELETED) {
		if (n)
			node_delete(s, n, now_s);
		return;
	}
	if (!n) {
		size_t l = strlen(name) + 1;

		n = xcalloc(sizeof(*n) + l);
		memcpy(n->name, name, l);
		n->ep.kind = NT_K8S_NODE;
		HASH_ADD_STR(s->nodes, name, n);
		render_named(s, &n->ep, NULL, "node", name);
	}
	n->gen = s->gen[NT_K8S_R_NODES];

	uint8_t nw[NODE_MAX_IPS][16], nn = 0;

	ipset_add_each(nw, &nn, NODE_MAX_IPS, jget(st, "addresses"), node_ip_of);
	ipset_update(s, &s->node_ips, &n->ep, n->ips, &n->nips, (const uint8_t(*)[16])nw, nn,
		     now_s);
}

/* ---------------------------------------------------------------- owners, namespaces */

static void owner_rerender(struct nt_k8s_store *s, struct owner *o)
{
	for (struct pod *p = o->pods; p; p = p->own_next)
		mark_dirty(s, p);
}

static void owner_gone(struct nt_k8s_store *s, struct owner *o)
{
	o->present = 0;
	free(o->ctrl_kind);
	free(o->ctrl_name);
	o->ctrl_kind = o->ctrl_name = NULL;
	owner_rerender(s, o);
	owner_put(s, o);
}

static void owner_apply(struct nt_k8s_store *s, char kind, struct json_object *obj,
			enum nt_k8s_ev ev, enum nt_k8s_res r)
{
	struct json_object *md = jget(obj, "metadata");
	struct owner *o = owner_get(s, kind, ns_of(md), jstrne(md, "name"));

	if (ev == NT_K8S_EV_DELETED) {
		if (o->present)
			owner_gone(s, o);
		owner_put(s, o);
		return;
	}
	int first = !o->present;

	if (!first)
		owner_put(s, o); /* the object's ref is already held */
	o->present = 1;
	o->gen = s->gen[r];

	struct json_object *ref = controller_ref(md);
	const char *ck = ref ? jstrne(ref, "kind") : NULL, *cn = ref ? jstrne(ref, "name") : NULL;

	if ((ck == NULL) != (o->ctrl_kind == NULL) ||
	    (ck && (strcmp(ck, o->ctrl_kind) || strcmp(cn, o->ctrl_name)))) {
		free(o->ctrl_kind);
		free(o->ctrl_name);
		o->ctrl_kind = ck ? xstrdup(ck) : NULL;
		o->ctrl_name = ck ? xstrdup(cn) : NULL;
		first = 1;
	}
	if (first) /* its pods showed the bare ReplicaSet/Job, or another controller */
		owner_rerender(s, o);
}

static void ns_apply(struct nt_k8s_store *s, struct json_object *obj, enum nt_k8s_ev ev)
{
	const char *name = jstrne(jget(obj, "metadata"), "name");
	struct ns *n = ns_get(s, name);

	if (ev == NT_K8S_EV_DELETED) {
		if (n->present) {
			n->present = 0;
			ns_put(s, n);
		}
		ns_put(s, n);
		return;
	}
	if (n->present)
		ns_put(s, n);
	n->present = 1;
	n->gen = s->gen[NT_K8S_R_NAMESPACES];
}

/* ---------------------------------------------------------------- public */

struct nt_k8s_store *nt_k8s_store_new(unsigned delete_grace_s)
{
	struct nt_k8s_store *s = xcalloc(sizeof(*s));

	s->grace = delete_grace_s;
	jw_init(&s->w, 1024);
	jw_init(&s->tmp, 512);
	return s;
}

int nt_k8s_store_apply(struct nt_k8s_store *s, enum nt_k8s_res r, enum nt_k8s_ev ev,
		       struct json_object *obj, uint64_t now_s)
{
	if (!jstrne(jget(obj, "metadata"), "name"))
		return -1;
	switch (r) {
	case NT_K8S_R_PODS:
		pod_apply(s, obj, ev, now_s);
		break;
	case NT_K8S_R_SERVICES:
		svc_apply(s, obj, ev, now_s);
		break;
	case NT_K8S_R_NODES:
		node_apply(s, obj, ev, now_s);
		break;
	case NT_K8S_R_NAMESPACES:
		ns_apply(s, obj, ev);
		break;
	case NT_K8S_R_REPLICASETS:
		owner_apply(s, 'R', obj, ev, r);
		break;
	case NT_K8S_R_JOBS:
		owner_apply(s, 'J', obj, ev, r);
		break;
	default:
		return -1;
	}
	return 0;
}

int nt_k8s_store_apply_json(struct nt_k8s_store *s, enum nt_k8s_res r, enum nt_k8s_ev ev,
			    const char *json, uint64_t now_s)
{
	struct json_object *o = json_tokener_parse(json);
	int rc;

	if (!o)
		return -1;
	rc = nt_k8s_store_apply(s, r, ev, o, now_s);
	json_object_put(o);
	return rc;
}

void nt_k8s_store_mark(struct nt_k8s_store *s, enum nt_k8s_res r)
{
	if ((unsigned)r < NT_K8S_R_COUNT)
		s->gen[r]++;
}

void nt_k8s_store_sweep(struct nt_k8s_store *s, enum nt_k8s_res r, uint64_t now_s)
{
	uint32_t g = s->gen[r];

	switch (r) {
	case NT_K8S_R_PODS: {
		struct pod *p, *t;

		HASH_ITER(hh, s->pods, p, t)
			if (p->gen != g)
				pod_delete(s, p, now_s);
		break;
	}
	case NT_K8S_R_SERVICES: {
		struct svc *v, *t;

		HASH_ITER(hh, s->svcs, v, t)
			if (v->gen != g)
				svc_delete(s, v, now_s);
		break;
	}
	case NT_K8S_R_NODES: {
		struct node *n, *t;

		HASH_ITER(hh, s->nodes, n, t)
			if (n->gen != g)
				node_delete(s, n, now_s);
		break;
	}
	case NT_K8S_R_REPLICASETS:
	case NT_K8S_R_JOBS: {
		char k = r == NT_K8S_R_JOBS ? 'J' : 'R';
		struct owner *o, *t;

		/* owner_gone may free o, never another record: safe with HASH_ITER */
		HASH_ITER(hh, s->owners, o, t)
			if (o->key[0] == k && o->present && o->gen != g)
				owner_gone(s, o);
		break;
	}
	case NT_K8S_R_NAMESPACES: {
		struct ns *n, *t;

		HASH_ITER(hh, s->nss, n, t)
			if (n->present && n->gen != g) {
				n->present = 0;
				ns_put(s, n);
			}
		break;
	}
	default:
		break;
	}
}

void nt_k8s_store_flush(struct nt_k8s_store *s, uint64_t now_s)
{
	struct pod *p, **pp;

	while ((p = s->dirty)) {
		s->dirty = p->dirty_next;
		p->dirty_next = NULL;
		p->dirty = 0;
		render_pod(s, p);
	}
	while (s->exp_head && s->exp_head->expires <= now_s)
		ip_remove(s, &s->ips, s->exp_head);
	for (pp = &s->graveyard; (p = *pp);) {
		if (p->iprefs == 0 && p->dead_until <= now_s) {
			*pp = p->dirty_next;
			s->ndead--;
			pod_free(s, p);
		} else {
			pp = &p->dirty_next;
		}
	}
}

static const struct nt_k8s_endpoint *ipent_live(const struct ipent *e, uint64_t now_s)
{
	if (!e || (e->expires && now_s >= e->expires))
		return NULL;
	return e->target;
}

const struct nt_k8s_endpoint *nt_k8s_store_lookup(const struct nt_k8s_store *s,
						  const uint8_t ip[16], uint64_t now_s)
{
	struct ipent *e;
	const struct nt_k8s_endpoint *t;

	HASH_FIND(hh, s->ips, ip, 16, e);
	if ((t = ipent_live(e, now_s)))
		return t;
	HASH_FIND(hh, s->node_ips, ip, 16, e);
	return ipent_live(e, now_s);
}

const struct nt_k8s_endpoint *nt_k8s_store_lookup_str(const struct nt_k8s_store *s, const char *ip,
						      uint64_t now_s)
{
	uint8_t a[16];

	if (nt_k8s_parse_ip(ip, a))
		return NULL;
	return nt_k8s_store_lookup(s, a, now_s);
}

const struct nt_k8s_endpoint *nt_k8s_store_pod_by_uid(const struct nt_k8s_store *s, const char *uid)
{
	struct pod *p;

	if (!uid)
		return NULL;
	HASH_FIND(hh_uid, s->pods_uid, uid, strlen(uid), p);
	return p ? &p->ep : NULL;
}

void nt_k8s_store_counts(const struct nt_k8s_store *s, struct nt_k8s_store_counts *c)
{
	const struct owner *o, *t;
	const struct ns *n, *tn;

	memset(c, 0, sizeof(*c));
	c->pods = HASH_CNT(hh, s->pods);
	c->services = HASH_CNT(hh, s->svcs);
	c->nodes = HASH_CNT(hh, s->nodes);
	c->ip_entries = HASH_CNT(hh, s->ips) + HASH_CNT(hh, s->node_ips);
	c->dead_pods = s->ndead;
	HASH_ITER(hh, s->owners, o, t)
		if (o->present)
			*(o->key[0] == 'R' ? &c->replicasets : &c->jobs) += 1;
	HASH_ITER(hh, s->nss, n, tn)
		if (n->present)
			c->namespaces++;
}

void nt_k8s_store_free(struct nt_k8s_store *s)
{
	if (!s)
		return;
	struct pod *p, *tp;
	struct svc *v, *tv;
	struct node *n, *tn;
	struct owner *o, *to;
	struct ns *ns, *tns;
	struct ipent *e, *te;

	s->dirty = NULL;
	HASH_ITER(hh, s->ips, e, te) /* first: entries point into pods */
		ip_remove(s, &s->ips, e);
	HASH_ITER(hh, s->pods, p, tp)
		pod_delete(s, p, 0);
	while ((p = s->graveyard)) {
		s->graveyard = p->dirty_next;
		pod_free(s, p);
	}
	HASH_ITER(hh, s->svcs, v, tv)
		svc_delete(s, v, 0);
	HASH_ITER(hh, s->nodes, n, tn)
		node_delete(s, n, 0);
	HASH_ITER(hh, s->node_ips, e, te)
		ip_remove(s, &s->node_ips, e);
	HASH_ITER(hh, s->owners, o, to) {
		HASH_DEL(s->owners, o);
		free(o->ctrl_kind);
		free(o->ctrl_name);
		free(o);
	}
	HASH_ITER(hh, s->nss, ns, tns) {
		HASH_DEL(s->nss, ns);
		free(ns);
	}
	struct istr *i, *ti;

	HASH_ITER(hh, s->strs, i, ti) {
		HASH_DEL(s->strs, i);
		free(i);
	}
	jw_free(&s->w);
	jw_free(&s->tmp);
	free(s);
}

void nt_k8s_store_each_pod(const struct nt_k8s_store *s, nt_k8s_pod_fn fn, void *ctx)
{
	const struct pod *p, *tmp;

	HASH_ITER(hh, s->pods, p, tmp) {
		if (!p->dead)
			fn(ctx, &p->ep, (const uint8_t(*)[16])p->ips, p->nips,
			   p->node ? p->node->s : NULL);
	}
}
