// SPDX-License-Identifier: BSD-2-Clause
/* enrich.c - Kubernetes identity, local process and direction per record. */
#include "enrich.h"

#include <string.h>

#include "cgroupmap.h"
#include "k8s.h"
#include "netutil.h"
#include "sockattr.h"

void nt_enrich_init(struct nt_enrich *e, const struct nt_config *cfg)
{
	memset(e, 0, sizeof(*e));
	e->cluster = cfg->cluster_cidrs;
	e->n_cluster = cfg->n_cluster_cidrs;
	e->service = cfg->service_cidrs;
	e->n_service = cfg->n_service_cidrs;
	e->cluster_mode = e->n_cluster || e->n_service;
}

void nt_enrich_begin(struct nt_enrich *e, uint64_t now_mono_ns)
{
	e->now_ns = now_mono_ns;
	if (e->k8s && !e->locked) {
		struct nt_k8s_stats ks;

		nt_k8s_stats(e->k8s, &ks);
		e->synced = ks.synced;
		nt_k8s_read_lock(e->k8s);
		e->locked = 1;
	}
	if (e->sa)
		nt_sockattr_poll(e->sa);
}

void nt_enrich_end(struct nt_enrich *e)
{
	if (e->locked) {
		nt_k8s_read_unlock(e->k8s);
		e->locked = 0;
	}
}

const struct nt_k8s_endpoint *nt_enrich_k8s(struct nt_enrich *e, const uint8_t addr[16])
{
	if (!e->k8s || !e->locked)
		return NULL;
	return nt_k8s_lookup(e->k8s, addr, e->now_ns / 1000000000ull);
}

static int in_list(const struct nt_cidr *c, size_t n, const uint8_t a[16])
{
	for (size_t i = 0; i < n; i++)
		if (nt_cidr_contains(&c[i], a))
			return 1;
	return 0;
}

static int inside(struct nt_enrich *e, const uint8_t a[16], const struct nt_k8s_endpoint *ep)
{
	return ep || in_list(e->cluster, e->n_cluster, a) || in_list(e->service, e->n_service, a);
}

const char *nt_enrich_direction(struct nt_enrich *e, int ip_version, const uint8_t src[16],
				const uint8_t dst[16], const struct nt_k8s_endpoint *ksrc,
				const struct nt_k8s_endpoint *kdst)
{
	int s, d;

	if (!e->cluster_mode && !e->k8s)
		return nt_direction(ip_version, src, dst); /* RFC 1918/4193 */
	s = inside(e, src, ksrc);
	d = inside(e, dst, kdst);
	if (e->k8s && !e->synced)
		e->st.k8s_unsynced_records++;
	else if (e->k8s) /* an in-cluster range without an identity */
		e->st.k8s_unresolved += (s && !ksrc && in_list(e->cluster, e->n_cluster, src)) +
					(d && !kdst && in_list(e->cluster, e->n_cluster, dst));
	return nt_direction_of(s, d);
}

static void fill(struct nt_enrich *e, const struct nt_sock_attr *a, int side,
		 struct nt_local_end *out)
{
	const char *pod_uid = NULL;

	out->side = side;
	if (a->has_proc) {
		out->has_proc = 1;
		out->pid = a->pid;
		out->uid = a->uid;
		memcpy(out->comm, a->comm, sizeof(out->comm));
		out->comm[sizeof(out->comm) - 1] = 0;
	}
	if (e->cg && a->cgroup_id)
		nt_cgroupmap_lookup(e->cg, a->cgroup_id, &out->container_id, &pod_uid, e->now_ns);
	if (out->container_id && !out->container_id[0])
		out->container_id = NULL;
	if (pod_uid && pod_uid[0] && e->k8s && e->locked)
		out->pod = nt_k8s_pod_by_uid(e->k8s, pod_uid);
}

int nt_enrich_local(struct nt_enrich *e, const struct nt_flow_key *k, int src_side,
		    struct nt_local_end out[2])
{
	int n = 0;

	memset(out, 0, 2 * sizeof(*out));
	out[0].side = out[1].side = -1;
	if (e->local_fn)
		return e->local_fn(e->local_ctx, k, src_side, out);
	if (!e->sa)
		return 0;
	for (int i = 0; i < 2; i++) {
		int side = i ? !src_side : src_side;
		const struct nt_sock_attr *a = nt_sockattr_find_side(e->sa, k, side);

		if (a)
			fill(e, a, side, &out[n++]);
	}
	return n;
}

void nt_enrich_forget(struct nt_enrich *e, const struct nt_flow_key *k)
{
	if (e->sa)
		nt_sockattr_forget(e->sa, k);
}
