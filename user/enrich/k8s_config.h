/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * k8s_config.h - where the options of the Kubernetes client (struct
 * nt_k8s_opts, k8s.h) come from: the in-cluster service account or a
 * kubeconfig (k8s_config.c). Included by k8s.h.
 */
#ifndef NETTRAIL_K8S_CONFIG_H
#define NETTRAIL_K8S_CONFIG_H

#include <stddef.h>

struct nt_k8s_opts;

/*
 * nt_k8s_resolve_incluster - fill o from KUBERNETES_SERVICE_HOST/PORT and
 * /var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt}. buf (n
 * bytes) holds the URL string o->api_url points to. NODE_NAME, when set in
 * the environment, becomes o->node_name. Returns 0, or -1 with err set.
 */
int nt_k8s_resolve_incluster(struct nt_k8s_opts *o, char *buf, size_t n, char *err, size_t errlen);

/*
 * nt_k8s_load_kubeconfig - the current context of a kubeconfig file, YAML
 * (as kubectl writes it) or JSON: cluster.server, certificate-authority
 * (file) or certificate-authority-data (written to a temporary file, mode
 * 0600, path in the returned strings), user.token (written to a temporary
 * file likewise) or user.tokenFile. Relative file paths are taken from the
 * kubeconfig's directory, as kubectl does. Not supported (an error that
 * says so): exec and auth-provider plugins, client certificates, basic
 * auth; insecure-skip-tls-verify is refused. YAML errors carry libyaml's
 * line and column. The strings o points to live in buf (n bytes). Returns
 * 0, or -1 with err set.
 */
int nt_k8s_load_kubeconfig(const char *path, struct nt_k8s_opts *o, char *buf, size_t n, char *err,
			   size_t errlen);

/* Removes the temp files nt_k8s_load_kubeconfig made for inline data. */
void nt_k8s_opts_drop_temps(const struct nt_k8s_opts *o);

/* Helpers k8s.c shares (not an API). */

/* "fmt", ... into err (errlen bytes; nothing when err is NULL or errlen 0) */
__attribute__((format(printf, 3, 4))) void nt_k8s_errf(char *err, size_t errlen, const char *fmt,
						       ...);

/* the first max bytes of a file, NUL-terminated, malloc'd; NULL when it cannot be read */
char *nt_k8s_read_file(const char *path, size_t max);

/* path is set and readable */
int nt_k8s_readable(const char *path);

#endif /* NETTRAIL_K8S_CONFIG_H */
