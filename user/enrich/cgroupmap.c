// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroupmap.c - cgroup v2 id -> container id and pod uid. See cgroupmap.h
 * and docs/process.md.
 *
 * The tree is walked with fts (physical, one file system); every directory
 * is a cgroup whose id is its inode number. Cgroups that disappear are kept
 * for NT_CGROUPMAP_KEEP_NS after the first scan that missed them, so a flow
 * of a container that just exited still finds its container.
 */
#include <errno.h>
#include <fts.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uthash.h>

#include "cgroupmap.h"
#include "util.h"

#define NT_CGROUPMAP_KEEP_NS (300ULL * 1000000000ULL)

struct cg_entry {
	uint64_t id;	  /* uthash key */
	uint64_t seen_ns; /* last scan that found it */
	struct nt_cgroup_ident ident;
	char *path; /* relative to the mount, "/..." */
	UT_hash_handle hh;
};

struct nt_cgroupmap {
	char *root;
	struct cg_entry *byid;
	uint64_t last_scan_ns;
	int scanned;
	uint64_t rescans;
};

/* ---- pure parsing -------------------------------------------------- */

static int is_lhex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_lhex(s[i]))
			return 0;
	return n > 0;
}

/* A pod uid: 8-4-4-4-12 with sep ('-', or '_' in systemd slice names), or
 * 32 hex digits (static pods: the manifest hash). Copied with '-' into out. */
static int parse_uid(const char *s, size_t n, char sep, char *out)
{
	char u[NT_POD_UID_MAX + 1];

	if (n == 32 && all_hex(s, n)) {
		memcpy(out, s, 32);
		out[32] = 0;
		return 1;
	}
	if (n != 36)
		return 0;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != sep)
				return 0;
			u[i] = '-';
		} else {
			if (!is_lhex(s[i]))
				return 0;
			u[i] = s[i];
		}
	}
	u[36] = 0;
	memcpy(out, u, sizeof(u));
	return 1;
}

static int has_prefix(const char *s, size_t n, const char *p, size_t *plen)
{
	size_t l = strlen(p);

	if (n < l || memcmp(s, p, l) != 0)
		return 0;
	*plen = l;
	return 1;
}

static int has_suffix(const char *s, size_t n, const char *suf)
{
	size_t l = strlen(suf);

	return n >= l && memcmp(s + n - l, suf, l) == 0;
}

static int mem_contains(const char *s, size_t n, const char *needle)
{
	size_t l = strlen(needle);

	for (size_t i = 0; i + l <= n; i++)
		if (memcmp(s + i, needle, l) == 0)
			return 1;
	return 0;
}

/* "<prefix><64hex>" (suffix already stripped): the runtime, or NULL. */
static const char *container_component(const char *s, size_t n, char *id)
{
	static const struct {
		const char *prefix, *runtime;
	} forms[] = {
		/* monitors, not containers: checked first */
		{ "crio-conmon-", NULL },
		{ "libpod-conmon-", NULL },
		{ "cri-containerd-", "containerd" },
		{ "crio-", "cri-o" },
		{ "docker-", "docker" },
		{ "libpod-", "podman" },
	};
	size_t pl;

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (!has_prefix(s, n, forms[i].prefix, &pl))
			continue;
		if (!forms[i].runtime || n - pl != NT_CONTAINER_ID_LEN ||
		    !all_hex(s + pl, NT_CONTAINER_ID_LEN))
			return NULL;
		memcpy(id, s + pl, NT_CONTAINER_ID_LEN);
		id[NT_CONTAINER_ID_LEN] = 0;
		return forms[i].runtime;
	}
	return NULL;
}

int nt_cgroup_parse_path(const char *path, struct nt_cgroup_ident *out)
{
	const char *p = path, *prev = NULL;
	size_t prev_n = 0;
	int kubepods = 0;

	memset(out, 0, sizeof(*out));
	out->runtime = "";
	if (!path)
		return 0;
	while (*p) {
		const char *c, *rt;
		size_t n;
		char id[NT_CONTAINER_ID_LEN + 1];

		while (*p == '/')
			p++;
		if (!*p)
			break;
		c = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - c);

		if (mem_contains(c, n, "kubepods"))
			kubepods = 1;
		if (has_suffix(c, n, ".slice")) {
			/* systemd driver: kubepods[-<qos>]-pod<uid_>.slice,
			 * also under a custom root (kubelet-kubepods-...) */
			size_t m = n - 6, dash = m;

			while (dash > 0 && c[dash - 1] != '-')
				dash--;
			if (kubepods && dash > 0 && m - dash > 3 && memcmp(c + dash, "pod", 3) == 0)
				parse_uid(c + dash + 3, m - dash - 3, '_', out->pod_uid);
		} else if (has_suffix(c, n, ".scope")) {
			/* systemd driver: <runtime>-<64hex>.scope */
			rt = container_component(c, n - 6, id);
			if (rt) {
				memcpy(out->container_id, id, sizeof(id));
				out->runtime = rt;
			}
		} else if (n == NT_CONTAINER_ID_LEN && all_hex(c, n)) {
			/* cgroupfs driver: kubepods/<qos>/pod<uid>/<64hex>;
			 * Docker: /docker/<64hex> */
			memcpy(out->container_id, c, n);
			out->container_id[n] = 0;
			out->runtime = prev && prev_n == 6 && memcmp(prev, "docker", 6) == 0 ?
					       "docker" :
					       "";
		} else if (kubepods && n > 3 && memcmp(c, "pod", 3) == 0) {
			parse_uid(c + 3, n - 3, '-', out->pod_uid);
		} else if ((rt = container_component(c, n, id)) != NULL) {
			/* cgroupfs CRI-O (crio-<64hex>), Podman (libpod-<64hex>) */
			memcpy(out->container_id, id, sizeof(id));
			out->runtime = rt;
		}
		prev = c;
		prev_n = n;
	}
	return out->container_id[0] || out->pod_uid[0];
}

/* ---- the mount ----------------------------------------------------- */

const char *nt_cgroup_v2_mount_from(const char *mounts_file, char *buf, size_t n)
{
	struct mntent me, *m;
	char line[4096];
	const char *r = NULL;
	FILE *f = setmntent(mounts_file, "r");

	if (!f)
		return NULL;
	while ((m = getmntent_r(f, &me, line, sizeof(line))) != NULL) {
		if (strcmp(m->mnt_type, "cgroup2") != 0)
			continue;
		if (strlen(m->mnt_dir) < n) {
			strcpy(buf, m->mnt_dir);
			r = buf;
		}
		break;
	}
	endmntent(f);
	return r;
}

const char *nt_cgroup_v2_mount(char *buf, size_t n)
{
	return nt_cgroup_v2_mount_from("/proc/mounts", buf, n);
}

/* ---- the map ------------------------------------------------------- */

struct nt_cgroupmap *nt_cgroupmap_new(const char *cgroup_root)
{
	char buf[4096];
	struct nt_cgroupmap *m;

	if (!cgroup_root)
		cgroup_root = nt_cgroup_v2_mount(buf, sizeof(buf));
	if (!cgroup_root)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->root = strdup(cgroup_root);
	if (!m->root) {
		free(m);
		return NULL;
	}
	/* "/" stays "/", "/x/" becomes "/x" */
	for (size_t l = strlen(m->root); l > 1 && m->root[l - 1] == '/'; l--)
		m->root[l - 1] = 0;
	return m;
}

static void entry_free(struct cg_entry *e)
{
	free(e->path);
	free(e);
}

int nt_cgroupmap_rescan(struct nt_cgroupmap *m, uint64_t now_ns)
{
	char *const roots[] = { m->root, NULL };
	struct cg_entry *e, *tmp;
	size_t rootlen = strlen(m->root);
	FTSENT *ent;
	FTS *fts;
	int n = 0;

	m->rescans++;
	m->last_scan_ns = now_ns;
	m->scanned = 1;
	fts = fts_open(roots, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL);
	if (!fts)
		return -1;
	while ((ent = fts_read(fts)) != NULL) {
		const char *rel;

		if (ent->fts_info != FTS_D)
			continue;
		n++;
		HASH_FIND(hh, m->byid, &ent->fts_statp->st_ino, sizeof(uint64_t), e);
		if (e) {
			e->seen_ns = now_ns;
			continue;
		}
		e = calloc(1, sizeof(*e));
		if (!e)
			break;
		rel = ent->fts_path + (rootlen > 1 ? rootlen : 0);
		e->path = strdup(*rel ? rel : "/");
		if (!e->path) {
			free(e);
			break;
		}
		e->id = (uint64_t)ent->fts_statp->st_ino;
		e->seen_ns = now_ns;
		nt_cgroup_parse_path(e->path, &e->ident);
		HASH_ADD(hh, m->byid, id, sizeof(uint64_t), e);
	}
	fts_close(fts);
	/* forget cgroups gone for a while */
	HASH_ITER(hh, m->byid, e, tmp) {
		if (e->seen_ns != now_ns && now_ns - e->seen_ns > NT_CGROUPMAP_KEEP_NS) {
			HASH_DEL(m->byid, e);
			entry_free(e);
		}
	}
	return n;
}

static struct cg_entry *find(struct nt_cgroupmap *m, uint64_t id, uint64_t now_ns)
{
	struct cg_entry *e;

	HASH_FIND(hh, m->byid, &id, sizeof(id), e);
	if (e)
		return e;
	if (m->scanned && now_ns - m->last_scan_ns < NT_CGROUPMAP_RESCAN_NS)
		return NULL;
	nt_cgroupmap_rescan(m, now_ns);
	HASH_FIND(hh, m->byid, &id, sizeof(id), e);
	return e;
}

int nt_cgroupmap_lookup_full(struct nt_cgroupmap *m, uint64_t cgroup_id,
			     const struct nt_cgroup_ident **ident, const char **path,
			     uint64_t now_ns)
{
	struct cg_entry *e = m ? find(m, cgroup_id, now_ns) : NULL;

	if (ident)
		*ident = e ? &e->ident : NULL;
	if (path)
		*path = e ? e->path : NULL;
	return e ? 0 : -1;
}

int nt_cgroupmap_lookup(struct nt_cgroupmap *m, uint64_t cgroup_id, const char **container_id,
			const char **pod_uid, uint64_t now_ns)
{
	const struct nt_cgroup_ident *id;
	int r = nt_cgroupmap_lookup_full(m, cgroup_id, &id, NULL, now_ns);

	if (container_id)
		*container_id = id && id->container_id[0] ? id->container_id : NULL;
	if (pod_uid)
		*pod_uid = id && id->pod_uid[0] ? id->pod_uid : NULL;
	return r;
}

void nt_cgroupmap_stats(struct nt_cgroupmap *m, uint64_t *rescans, uint64_t *known)
{
	if (rescans)
		*rescans = m ? m->rescans : 0;
	if (known)
		*known = m ? HASH_COUNT(m->byid) : 0;
}

void nt_cgroupmap_free(struct nt_cgroupmap *m)
{
	if (!m)
		return;
	NT_HASH_DRAIN(m->byid, entry_free);
	free(m->root);
	free(m);
}
