// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Identity store (user/k8s_ident.c): Kubernetes objects in, exact rendered
 * `<end>.kubernetes` JSON out, by IP and by pod uid. Objects are shaped like
 * the API server's (tests/k8s/state_example.json), trimmed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tmpdir.h"
#include "k8s_ident.h"

#define NOW 1000

static struct nt_k8s_store *s;

static void setup(void)
{
	s = nt_k8s_store_new(60);
}

static void teardown(void)
{
	nt_k8s_store_free(s);
	s = NULL;
}

TestSuite(k8s, .init = setup, .fini = teardown);

static void apply(enum nt_k8s_res r, enum nt_k8s_ev ev, const char *json, uint64_t now)
{
	cr_assert_eq(nt_k8s_store_apply_json(s, r, ev, json, now), 0, "apply failed: %s", json);
	nt_k8s_store_flush(s, now);
}

#define ADD(r, j) apply(NT_K8S_R_##r, NT_K8S_EV_ADDED, j, NOW)

static const char *at(const char *ip, uint64_t now)
{
	static char buf[4096];
	const struct nt_k8s_endpoint *e = nt_k8s_store_lookup_str(s, ip, now);

	if (!e)
		return "none";
	cr_assert_eq(strlen(e->json), e->json_len);
	snprintf(buf, sizeof(buf), "%s %s",
		 e->kind == NT_K8S_POD	   ? "pod" :
		 e->kind == NT_K8S_SERVICE ? "service" :
					     "node",
		 e->json);
	return buf;
}

#define EXPECT(ip, want) cr_assert_str_eq(at(ip, NOW), want)

/* ---- objects */

#define POD(name, ns, uid, labels, owner, extra_spec, status)                               \
	"{\"metadata\":{\"name\":\"" name "\",\"namespace\":\"" ns "\",\"uid\":\"" uid      \
	"\",\"labels\":" labels owner                                                       \
	"},\"spec\":{\"nodeName\":\"node-a\",\"serviceAccountName\":\"default\"" extra_spec \
	",\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]},\"status\":" status "}"
#define OWNER(kind, name)                                                                     \
	",\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"" kind "\",\"name\":\"" name \
	"\",\"uid\":\"u\",\"controller\":true,\"blockOwnerDeletion\":true}]"
#define RUNNING(ip4, ip6)                                                   \
	"{\"phase\":\"Running\",\"hostIP\":\"172.18.0.2\",\"podIP\":\"" ip4 \
	"\",\"podIPs\":[{\"ip\":\"" ip4 "\"},{\"ip\":\"" ip6 "\"}]}"

static const char *rs_web =
	"{\"metadata\":{\"name\":\"web-6d4cf56db6\",\"namespace\":\"shop\",\"uid\":\"rs1\",\"labels\":{\"app\":\"web\"},"
	"\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\",\"uid\":\"d1\",\"controller\":true}]},"
	"\"spec\":{\"replicas\":2},\"status\":{\"replicas\":2}}";
static const char *pod_web =
	POD("web-6d4cf56db6-7xk2p", "shop", "4f11d8ad-fe8a-5f47-a3f0-8598f6e6486b",
	    "{\"app\":\"web\",\"pod-template-hash\":\"6d4cf56db6\"}",
	    OWNER("ReplicaSet", "web-6d4cf56db6"), "", RUNNING("10.200.1.2", "fd00:200:1::2"));
static const char *svc_web =
	"{\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\",\"uid\":\"s1\"},\"spec\":{\"selector\":{\"app\":\"web\"},"
	"\"clusterIP\":\"10.96.120.15\",\"clusterIPs\":[\"10.96.120.15\",\"fd00:10:96::7a3f\"],\"type\":\"ClusterIP\"},"
	"\"status\":{\"loadBalancer\":{}}}";
static const char *node_a =
	"{\"metadata\":{\"name\":\"node-a\",\"uid\":\"n1\"},\"spec\":{},\"status\":{\"addresses\":["
	"{\"type\":\"InternalIP\",\"address\":\"172.18.0.2\"},{\"type\":\"InternalIP\",\"address\":\"fd00:172:18::2\"},"
	"{\"type\":\"ExternalIP\",\"address\":\"203.0.113.7\"},{\"type\":\"Hostname\",\"address\":\"node-a\"}]}}";

#define WEB_JSON(svc)                                                                                               \
	"pod {\"namespace\":\"shop\",\"pod\":{\"name\":\"web-6d4cf56db6-7xk2p\",\"uid\":\"4f11d8ad-fe8a-5f47-a3f0-" \
	"8598f6e6486b\"},\"labels\":{\"app\":\"web\",\"pod-template-hash\":\"6d4cf56db6\"},\"workload\":" svc       \
	",\"node\":{\"name\":\"node-a\"},\"service_account\":\"default\"}"

Test(k8s, deployment_via_replicaset_dual_stack)
{
	ADD(REPLICASETS, rs_web);
	ADD(SERVICES, svc_web);
	ADD(PODS, pod_web);
	const char *want = WEB_JSON(
		"{\"kind\":\"Deployment\",\"name\":\"web\"},\"service\":{\"name\":\"web\"}");

	EXPECT("10.200.1.2", want);
	EXPECT("fd00:200:1::2", want);
	EXPECT("::ffff:10.200.1.2", want);
	EXPECT("10.200.1.3", "none");
}

Test(k8s, replicaset_after_pod_rerenders)
{
	ADD(PODS, pod_web);
	EXPECT("10.200.1.2", WEB_JSON("{\"kind\":\"ReplicaSet\",\"name\":\"web-6d4cf56db6\"}"));
	ADD(REPLICASETS, rs_web);
	EXPECT("10.200.1.2", WEB_JSON("{\"kind\":\"Deployment\",\"name\":\"web\"}"));
	/* the ReplicaSet loses its controller (orphaned), then goes */
	ADD(REPLICASETS, "{\"metadata\":{\"name\":\"web-6d4cf56db6\",\"namespace\":\"shop\"}}");
	EXPECT("10.200.1.2", WEB_JSON("{\"kind\":\"ReplicaSet\",\"name\":\"web-6d4cf56db6\"}"));
	ADD(REPLICASETS, rs_web);
	apply(NT_K8S_R_REPLICASETS, NT_K8S_EV_DELETED, rs_web, NOW);
	EXPECT("10.200.1.2", WEB_JSON("{\"kind\":\"ReplicaSet\",\"name\":\"web-6d4cf56db6\"}"));
}

Test(k8s, statefulset_and_headless_service)
{
	ADD(SERVICES,
	    "{\"metadata\":{\"name\":\"db\",\"namespace\":\"shop\"},\"spec\":{\"selector\":{\"app\":\"db\"},"
	    "\"clusterIP\":\"None\",\"clusterIPs\":[\"None\"]}}");
	ADD(PODS, POD("db-0", "shop", "u-db0",
		      "{\"app\":\"db\",\"statefulset.kubernetes.io/pod-name\":\"db-0\"}",
		      OWNER("StatefulSet", "db"), "", RUNNING("10.200.1.3", "fd00:200:1::3")));
	EXPECT("10.200.1.3",
	       "pod {\"namespace\":\"shop\",\"pod\":{\"name\":\"db-0\",\"uid\":\"u-db0\"},\"labels\":{\"app\":\"db\","
	       "\"statefulset.kubernetes.io/pod-name\":\"db-0\"},\"workload\":{\"kind\":\"StatefulSet\",\"name\":\"db\"},"
	       "\"service\":{\"name\":\"db\"},\"node\":{\"name\":\"node-a\"},\"service_account\":\"default\"}");
	struct nt_k8s_store_counts c;

	nt_k8s_store_counts(s, &c);
	cr_assert_eq(c.ip_entries, 2, "the headless service has no IP entry");
}

Test(k8s, bare_pod_and_daemonset)
{
	ADD(PODS, POD("debug", "shop", "u-dbg", "{\"run\":\"debug\"}", "", "",
		      RUNNING("10.200.2.3", "fd00:200:2::3")));
	EXPECT("fd00:200:2::3",
	       "pod {\"namespace\":\"shop\",\"pod\":{\"name\":\"debug\",\"uid\":\"u-dbg\"},\"labels\":{\"run\":\"debug\"},"
	       "\"workload\":{\"kind\":\"Pod\",\"name\":\"debug\"},\"node\":{\"name\":\"node-a\"},\"service_account\":\"default\"}");
	ADD(PODS, "{\"metadata\":{\"name\":\"agent-x\",\"namespace\":\"kube-system\"" OWNER(
			  "DaemonSet", "agent") "},\"status\":{\"podIP\":\"10.200.9.9\"}}");
	EXPECT("10.200.9.9",
	       "pod {\"namespace\":\"kube-system\",\"pod\":{\"name\":\"agent-x\"},\"workload\":"
	       "{\"kind\":\"DaemonSet\",\"name\":\"agent\"}}");
}

Test(k8s, cronjob_via_job)
{
	ADD(PODS, POD("report-28589760-5vq8w", "shop", "u-rep", "{\"app\":\"report\"}",
		      OWNER("Job", "report-28589760"), "", RUNNING("10.200.1.4", "fd00:200:1::4")));
	EXPECT("10.200.1.4",
	       "pod {\"namespace\":\"shop\",\"pod\":{\"name\":\"report-28589760-5vq8w\",\"uid\":\"u-rep\"},\"labels\":"
	       "{\"app\":\"report\"},\"workload\":{\"kind\":\"Job\",\"name\":\"report-28589760\"},\"node\":{\"name\":\"node-a\"},"
	       "\"service_account\":\"default\"}");
	ADD(JOBS, "{\"metadata\":{\"name\":\"report-28589760\",\"namespace\":\"shop\"" OWNER(
			  "CronJob", "report") "}}");
	EXPECT("10.200.1.4",
	       "pod {\"namespace\":\"shop\",\"pod\":{\"name\":\"report-28589760-5vq8w\",\"uid\":\"u-rep\"},\"labels\":"
	       "{\"app\":\"report\"},\"workload\":{\"kind\":\"CronJob\",\"name\":\"report\"},\"node\":{\"name\":\"node-a\"},"
	       "\"service_account\":\"default\"}");
}

Test(k8s, service_cluster_ips)
{
	ADD(SERVICES, svc_web);
	EXPECT("10.96.120.15", "service {\"namespace\":\"shop\",\"service\":{\"name\":\"web\"}}");
	EXPECT("fd00:10:96::7a3f",
	       "service {\"namespace\":\"shop\",\"service\":{\"name\":\"web\"}}");
	apply(NT_K8S_R_SERVICES, NT_K8S_EV_DELETED, svc_web, NOW);
	EXPECT("10.96.120.15", "none");
}

Test(k8s, node_addresses)
{
	ADD(NODES, node_a);
	EXPECT("172.18.0.2", "node {\"node\":{\"name\":\"node-a\"}}");
	EXPECT("fd00:172:18::2", "node {\"node\":{\"name\":\"node-a\"}}");
	EXPECT("203.0.113.7", "node {\"node\":{\"name\":\"node-a\"}}");
	/* an address that leaves the node's status stops resolving */
	ADD(NODES,
	    "{\"metadata\":{\"name\":\"node-a\"},\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"172.18.0.2\"}]}}");
	EXPECT("203.0.113.7", "none");
	EXPECT("172.18.0.2", "node {\"node\":{\"name\":\"node-a\"}}");
}

Test(k8s, host_network_pod_is_the_node)
{
	ADD(NODES, node_a);
	ADD(PODS, POD("node-agent-8hn2k", "kube-system", "u-agent", "{\"k8s-app\":\"node-agent\"}",
		      OWNER("DaemonSet", "node-agent"), ",\"hostNetwork\":true",
		      RUNNING("172.18.0.2", "fd00:172:18::2")));
	EXPECT("172.18.0.2", "node {\"node\":{\"name\":\"node-a\"}}");
	const struct nt_k8s_endpoint *e = nt_k8s_store_pod_by_uid(s, "u-agent");

	cr_assert_not_null(e);
	cr_assert_eq(e->host_network, 1);
	cr_assert_str_eq(e->pod_name, "node-agent-8hn2k");
	cr_assert_str_eq(e->namespace_, "kube-system");
	cr_assert_str_eq(
		e->json,
		"{\"namespace\":\"kube-system\",\"pod\":{\"name\":\"node-agent-8hn2k\",\"uid\":\"u-agent\"},"
		"\"labels\":{\"k8s-app\":\"node-agent\"},\"workload\":{\"kind\":\"DaemonSet\",\"name\":\"node-agent\"},"
		"\"node\":{\"name\":\"node-a\"},\"service_account\":\"default\"}");
}

Test(k8s, pod_ip_beats_node_ip_unless_host_network)
{
	ADD(NODES, node_a);
	ADD(PODS,
	    POD("odd", "shop", "u-odd", "{}", "", "", RUNNING("172.18.0.2", "fd00:172:18::2")));
	cr_assert(strncmp(at("172.18.0.2", NOW), "pod ", 4) == 0);
	apply(NT_K8S_R_PODS, NT_K8S_EV_DELETED, POD("odd", "shop", "u-odd", "{}", "", "", "{}"),
	      NOW);
	cr_assert(strncmp(at("172.18.0.2", NOW + 59), "pod ", 4) == 0, "within the grace");
	EXPECT("172.18.0.2", at("172.18.0.2", NOW)); /* still the pod */
	cr_assert_str_eq(at("172.18.0.2", NOW + 60), "node {\"node\":{\"name\":\"node-a\"}}");
}

#define P1                                                       \
	POD("old", "shop", "uid-old", "{\"app\":\"a\"}", "", "", \
	    RUNNING("10.200.3.3", "fd00:200:3::3"))
#define P2                                                       \
	POD("new", "shop", "uid-new", "{\"app\":\"b\"}", "", "", \
	    RUNNING("10.200.3.3", "fd00:200:3::3"))
#define OLD_JSON \
	"pod {\"namespace\":\"shop\",\"pod\":{\"name\":\"old\",\"uid\":\"uid-old\"},\"labels\":{\"app\":\"a\"},\"workload\":{\"kind\":\"Pod\",\"name\":\"old\"},\"node\":{\"name\":\"node-a\"},\"service_account\":\"default\"}"
#define NEW_JSON \
	"pod {\"namespace\":\"shop\",\"pod\":{\"name\":\"new\",\"uid\":\"uid-new\"},\"labels\":{\"app\":\"b\"},\"workload\":{\"kind\":\"Pod\",\"name\":\"new\"},\"node\":{\"name\":\"node-a\"},\"service_account\":\"default\"}"

Test(k8s, deleted_pod_ip_resolves_within_grace_only)
{
	ADD(PODS, P1);
	apply(NT_K8S_R_PODS, NT_K8S_EV_DELETED, P1, NOW);
	cr_assert_str_eq(at("10.200.3.3", NOW + 59), OLD_JSON);
	cr_assert_str_eq(at("10.200.3.3", NOW + 60), "none");
	cr_assert_not_null(nt_k8s_store_pod_by_uid(s, "uid-old"));
	nt_k8s_store_flush(s, NOW + 60);
	cr_assert_null(nt_k8s_store_pod_by_uid(s, "uid-old"));
	struct nt_k8s_store_counts c;

	nt_k8s_store_counts(s, &c);
	cr_assert_eq(c.ip_entries, 0);
	cr_assert_eq(c.dead_pods, 0);
	cr_assert_eq(c.pods, 0);
}

Test(k8s, ip_reuse_by_new_pod_wins_at_once)
{
	ADD(PODS, P1);
	EXPECT("10.200.3.3", OLD_JSON);
	ADD(PODS, P2); /* before the old one's DELETED */
	EXPECT("10.200.3.3", NEW_JSON);
	apply(NT_K8S_R_PODS, NT_K8S_EV_DELETED, P1, NOW);
	EXPECT("10.200.3.3", NEW_JSON);
	EXPECT("fd00:200:3::3", NEW_JSON);
	nt_k8s_store_flush(s, NOW + 61);
	cr_assert_str_eq(at("10.200.3.3", NOW + 61), NEW_JSON);
}

Test(k8s, ip_reuse_after_delete_within_grace)
{
	ADD(PODS, P1);
	apply(NT_K8S_R_PODS, NT_K8S_EV_DELETED, P1, NOW);
	apply(NT_K8S_R_PODS, NT_K8S_EV_ADDED, P2, NOW + 5);
	cr_assert_str_eq(at("10.200.3.3", NOW + 5), NEW_JSON);
	nt_k8s_store_flush(s, NOW + 100);
	cr_assert_str_eq(at("10.200.3.3", NOW + 100), NEW_JSON);
}

Test(k8s, finished_pod_releases_ip_with_grace)
{
	ADD(PODS, P1);
	apply(NT_K8S_R_PODS, NT_K8S_EV_MODIFIED,
	      POD("old", "shop", "uid-old", "{\"app\":\"a\"}", "", "",
		  "{\"phase\":\"Succeeded\",\"podIP\":\"10.200.3.3\"}"),
	      NOW);
	cr_assert_str_eq(at("10.200.3.3", NOW + 10), OLD_JSON);
	cr_assert_str_eq(at("10.200.3.3", NOW + 60), "none");
	nt_k8s_store_flush(s, NOW + 60);
	cr_assert_not_null(nt_k8s_store_pod_by_uid(s, "uid-old"), "the pod object still exists");
}

Test(k8s, service_selector_first_by_name_and_changes)
{
	const char *svc_z =
		"{\"metadata\":{\"name\":\"zz\",\"namespace\":\"shop\"},\"spec\":{\"selector\":{\"app\":\"web\"},\"clusterIPs\":[\"10.96.0.9\"]}}";
	const char *svc_a =
		"{\"metadata\":{\"name\":\"aa\",\"namespace\":\"shop\"},\"spec\":{\"selector\":{\"app\":\"web\",\"tier\":\"fe\"}}}";
	const char *svc_other_ns =
		"{\"metadata\":{\"name\":\"a0\",\"namespace\":\"other\"},\"spec\":{\"selector\":{\"app\":\"web\"}}}";
	const char *svc_empty =
		"{\"metadata\":{\"name\":\"a1\",\"namespace\":\"shop\"},\"spec\":{}}";

	ADD(SERVICES, svc_other_ns);
	ADD(SERVICES, svc_empty);
	ADD(SERVICES, svc_z);
	ADD(REPLICASETS, rs_web);
	ADD(PODS, pod_web);
	EXPECT("10.200.1.2",
	       WEB_JSON(
		       "{\"kind\":\"Deployment\",\"name\":\"web\"},\"service\":{\"name\":\"zz\"}"));
	ADD(SERVICES, svc_a); /* needs tier=fe: no match yet */
	EXPECT("10.200.1.2",
	       WEB_JSON(
		       "{\"kind\":\"Deployment\",\"name\":\"web\"},\"service\":{\"name\":\"zz\"}"));
	/* the pod gains the label: "aa" comes first by name */
	apply(NT_K8S_R_PODS, NT_K8S_EV_MODIFIED,
	      POD("web-6d4cf56db6-7xk2p", "shop", "4f11d8ad-fe8a-5f47-a3f0-8598f6e6486b",
		  "{\"app\":\"web\",\"pod-template-hash\":\"6d4cf56db6\",\"tier\":\"fe\"}",
		  OWNER("ReplicaSet", "web-6d4cf56db6"), "",
		  RUNNING("10.200.1.2", "fd00:200:1::2")),
	      NOW);
	cr_assert(strstr(at("10.200.1.2", NOW), "\"service\":{\"name\":\"aa\"}"), "%s",
		  at("10.200.1.2", NOW));
	/* aa's selector changes away: back to zz */
	ADD(SERVICES,
	    "{\"metadata\":{\"name\":\"aa\",\"namespace\":\"shop\"},\"spec\":{\"selector\":{\"app\":\"nope\"}}}");
	cr_assert(strstr(at("10.200.1.2", NOW), "\"service\":{\"name\":\"zz\"}"), "%s",
		  at("10.200.1.2", NOW));
	/* zz goes: no service */
	apply(NT_K8S_R_SERVICES, NT_K8S_EV_DELETED, svc_z, NOW);
	cr_assert_null(strstr(at("10.200.1.2", NOW), "\"service\""), "%s", at("10.200.1.2", NOW));
}

Test(k8s, relist_mark_and_sweep_keeps_identities)
{
	ADD(PODS, P1);
	ADD(PODS,
	    POD("keep", "shop", "uid-keep", "{}", "", "", RUNNING("10.200.4.4", "fd00:200:4::4")));
	const struct nt_k8s_endpoint *before = nt_k8s_store_lookup_str(s, "10.200.4.4", NOW);

	nt_k8s_store_mark(s, NT_K8S_R_PODS);
	cr_assert_eq(nt_k8s_store_apply_json(s, NT_K8S_R_PODS, NT_K8S_EV_ADDED,
					     POD("keep", "shop", "uid-keep", "{}", "", "",
						 RUNNING("10.200.4.4", "fd00:200:4::4")),
					     NOW),
		     0);
	nt_k8s_store_sweep(s, NT_K8S_R_PODS, NOW);
	nt_k8s_store_flush(s, NOW);
	cr_assert_eq(nt_k8s_store_lookup_str(s, "10.200.4.4", NOW), before,
		     "the same object, never wiped");
	cr_assert_str_eq(at("10.200.3.3", NOW + 1), OLD_JSON, "the swept pod is in its grace");
	cr_assert_str_eq(at("10.200.3.3", NOW + 60), "none");
	struct nt_k8s_store_counts c;

	nt_k8s_store_counts(s, &c);
	cr_assert_eq(c.pods, 1);
}

Test(k8s, pod_ip_change_and_pending_pod)
{
	ADD(PODS, POD("p", "shop", "u-p", "{}", "", "", "{\"phase\":\"Pending\"}"));
	struct nt_k8s_store_counts c;

	nt_k8s_store_counts(s, &c);
	cr_assert_eq(c.ip_entries, 0);
	ADD(PODS, POD("p", "shop", "u-p", "{}", "", "",
		      "{\"phase\":\"Running\",\"podIP\":\"10.1.1.1\"}"));
	cr_assert(strncmp(at("10.1.1.1", NOW), "pod ", 4) == 0);
	cr_assert_not_null(nt_k8s_store_pod_by_uid(s, "u-p"));
}

Test(k8s, hostile_label_keys_are_escaped)
{
	ADD(PODS,
	    "{\"metadata\":{\"name\":\"x\",\"namespace\":\"n\",\"labels\":{\"a\\\"b\":\"c\\\\d\",\"e\\u0001\":\"\\u2028\"}},"
	    "\"status\":{\"podIP\":\"10.9.9.9\"}}");
	EXPECT("10.9.9.9",
	       "pod {\"namespace\":\"n\",\"pod\":{\"name\":\"x\"},\"labels\":{\"a\\\"b\":\"c\\\\d\",\"e\\u0001\":"
	       "\"\\u2028\"},\"workload\":{\"kind\":\"Pod\",\"name\":\"x\"}}");
}

Test(k8s, objects_without_a_name_are_refused)
{
	cr_assert_eq(nt_k8s_store_apply_json(s, NT_K8S_R_PODS, NT_K8S_EV_ADDED, "{\"metadata\":{}}",
					     NOW),
		     -1);
	cr_assert_eq(nt_k8s_store_apply_json(s, NT_K8S_R_PODS, NT_K8S_EV_ADDED, "not json", NOW),
		     -1);
	cr_assert_eq(nt_k8s_store_apply_json(s, NT_K8S_R_PODS, NT_K8S_EV_ADDED, "[1,2]", NOW), -1);
}

/* ---- nt_k8s_load_kubeconfig: YAML and JSON kubeconfigs (tests/k8s/kubeconfig/) */

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define KCDIR "tests/k8s/kubeconfig/"

static char kc_buf[8192], kc_err_buf[512];
static struct nt_k8s_opts kc_o;

static int kc_load(const char *path)
{
	memset(&kc_o, 0, sizeof(kc_o));
	kc_err_buf[0] = '\0';
	return nt_k8s_load_kubeconfig(path, &kc_o, kc_buf, sizeof(kc_buf), kc_err_buf,
				      sizeof(kc_err_buf));
}

/* the error for a kubeconfig that must fail */
static const char *kc_err(const char *path)
{
	cr_assert_eq(kc_load(path), -1, "%s loaded", path);
	return kc_err_buf;
}

static char *slurp(const char *path)
{
	static char b[4][8192];
	static int i;
	char *out = b[i++ & 3];
	FILE *f = fopen(path, "rb");
	size_t n;

	cr_assert_not_null(f, "cannot open %s", path);
	n = fread(out, 1, sizeof(b[0]) - 1, f);
	fclose(f);
	out[n] = '\0';
	return out;
}

/* a temp file made by the loader: 0600, under $TMPDIR; removed after the check */
static void check_temp(const char *path, const char *want)
{
	struct stat st;
	char pre[512];

	snprintf(pre, sizeof(pre), "%s/nettrail-k8s-", nt_test_tmpdir());
	cr_assert_eq(strncmp(path, pre, strlen(pre)), 0, "%s not under %s", path, pre);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
	cr_assert_str_eq(slurp(path), want);
	unlink(path);
}

static const char *write_tmp(const char *text)
{
	static char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/nettrail-kc-test-XXXXXX", nt_test_tmpdir());
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

Test(kubeconfig, kind_yaml_with_ca_data_and_inline_token)
{
	cr_assert_eq(kc_load(KCDIR "kind.yaml"), 0, "%s", kc_err_buf);
	cr_assert_str_eq(kc_o.api_url, "https://127.0.0.1:40123");
	check_temp(kc_o.ca_file, slurp(KCDIR "ca.crt"));
	check_temp(kc_o.token_file, "eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.nettrail.sig");
	cr_assert_null(kc_o.node_name);
	cr_assert_eq(kc_o.timeout_s, 0);
}

Test(kubeconfig, token_file_and_ca_relative_to_the_kubeconfig)
{
	cr_assert_eq(kc_load(KCDIR "tokenfile.yaml"), 0, "%s", kc_err_buf);
	cr_assert_str_eq(kc_o.api_url, "https://lab.example:6443");
	cr_assert_str_eq(kc_o.ca_file, KCDIR "ca.crt");
	cr_assert_str_eq(kc_o.token_file, KCDIR "token");
	cr_assert_str_eq(slurp(kc_o.token_file), "nettrail-fixture-token-0123456789\n");
}

Test(kubeconfig, json_still_works)
{
	cr_assert_eq(kc_load(KCDIR "kubeconfig.json"), 0, "%s", kc_err_buf);
	cr_assert_str_eq(kc_o.api_url, "https://127.0.0.1:40123");
	check_temp(kc_o.ca_file, slurp(KCDIR "ca.crt"));
	cr_assert_str_eq(kc_o.token_file, KCDIR "token");
}

Test(kubeconfig, anchors_aliases_and_absolute_paths)
{
	cr_assert_eq(kc_load(KCDIR "anchors.yaml"), 0, "%s", kc_err_buf);
	cr_assert_str_eq(kc_o.api_url, "https://a.example:6443");
	cr_assert_str_eq(kc_o.ca_file, "/dev/null");
	cr_assert_str_eq(kc_o.token_file, "/dev/null");
}

Test(kubeconfig, bad_yaml_says_where)
{
	cr_assert_str_eq(kc_err(KCDIR "bad_yaml.yaml"),
			 "kubernetes: kubeconfig '" KCDIR
			 "bad_yaml.yaml': bad YAML at line 6, column 4: did not find "
			 "expected key (while parsing a block mapping at line 3, column 3)");
	cr_assert_str_eq(kc_err(KCDIR "bad_json.json"),
			 "kubernetes: kubeconfig '" KCDIR
			 "bad_json.json': bad YAML at line 7, column 1: did not find "
			 "expected ',' or '}' (while parsing a flow mapping at line 1, column 1)");
}

Test(kubeconfig, missing_empty_and_not_a_mapping)
{
	cr_assert_str_eq(kc_err(KCDIR "nope.yaml"), "kubernetes: cannot read kubeconfig '" KCDIR
						    "nope.yaml': No such file or directory");
	cr_assert_str_eq(kc_err("tests/k8s/kubeconfig"),
			 "kubernetes: kubeconfig 'tests/k8s/kubeconfig' is a directory");
	cr_assert_str_eq(kc_err(KCDIR "empty.yaml"),
			 "kubernetes: kubeconfig '" KCDIR "empty.yaml' is empty");
	cr_assert_str_eq(kc_err(KCDIR "not_mapping.yaml"),
			 "kubernetes: kubeconfig '" KCDIR
			 "not_mapping.yaml' is not a mapping (apiVersion, clusters, "
			 "contexts, users, current-context)");
}

Test(kubeconfig, context_cluster_user_lookup_errors)
{
	cr_assert_str_eq(kc_err(KCDIR "no_current_context.yaml"),
			 "kubernetes: kubeconfig '" KCDIR
			 "no_current_context.yaml': no current-context (choose one "
			 "with kubectl config use-context NAME)");
	cr_assert_str_eq(kc_err(KCDIR "missing_context.yaml"),
			 "kubernetes: kubeconfig '" KCDIR
			 "missing_context.yaml': current-context 'staging' is not in contexts");
	cr_assert_str_eq(kc_err(KCDIR "missing_cluster.yaml"),
			 "kubernetes: kubeconfig '" KCDIR
			 "missing_cluster.yaml': context 'lab' names cluster 'prod', "
			 "which is not in clusters");
	cr_assert_str_eq(kc_err(KCDIR "missing_user.yaml"),
			 "kubernetes: kubeconfig '" KCDIR
			 "missing_user.yaml': context 'lab' names user 'admin', "
			 "which is not in users");
}

#define NOT_SUPPORTED \
	": not supported: give the user a token or tokenFile (e.g. a ServiceAccount token)"

Test(kubeconfig, unsupported_auth_is_named)
{
	cr_assert_str_eq(kc_err(KCDIR "exec.yaml"),
			 "kubernetes: kubeconfig '" KCDIR "exec.yaml': user 'eks-admin' "
			 "uses an exec credential plugin (command 'aws')" NOT_SUPPORTED);
	cr_assert_str_eq(kc_err(KCDIR "auth_provider.yaml"),
			 "kubernetes: kubeconfig '" KCDIR "auth_provider.yaml': "
			 "user 'eks-admin' uses the auth-provider plugin 'oidc'" NOT_SUPPORTED);
	cr_assert_str_eq(
		kc_err(KCDIR "client_cert.yaml"),
		"kubernetes: kubeconfig '" KCDIR "client_cert.yaml': "
		"user 'kind-kind' uses a client certificate (client-certificate-data)" NOT_SUPPORTED);
	cr_assert_str_eq(kc_err(KCDIR "basic_auth.yaml"),
			 "kubernetes: kubeconfig '" KCDIR "basic_auth.yaml': "
			 "user 'old' uses basic auth (username/password)" NOT_SUPPORTED);
}

Test(kubeconfig, tls_must_be_verified)
{
	cr_assert_str_eq(
		kc_err(KCDIR "insecure.yaml"),
		"kubernetes: kubeconfig '" KCDIR
		"insecure.yaml': cluster 'lab' sets insecure-skip-tls-verify: "
		"refused (TLS verification is always on; give certificate-authority or certificate-authority-data)");
	cr_assert_str_eq(kc_err(KCDIR "no_ca.yaml"),
			 "kubernetes: kubeconfig '" KCDIR
			 "no_ca.yaml': cluster 'lab' has no certificate-authority or "
			 "certificate-authority-data (the system store is not used)");
	cr_assert_str_eq(kc_err(KCDIR "bad_ca_data.yaml"),
			 "kubernetes: kubeconfig '" KCDIR
			 "bad_ca_data.yaml': cluster 'lab': certificate-authority-data "
			 "is not base64 of a PEM certificate");
	cr_assert_str_eq(kc_err(KCDIR "http_server.yaml"),
			 "kubernetes: kubeconfig '" KCDIR
			 "http_server.yaml': cluster 'lab': server "
			 "'http://lab.example:6443' is not https://");
}

Test(kubeconfig, yaml_nulls_and_yes_booleans)
{
	const char *base =
		"clusters:\n- name: c\n  cluster:\n    server: https://c:6443\n    certificate-authority: /dev/null\n"
		"%s\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {tokenFile: /dev/null}\n"
		"current-context: %s\n";
	char text[1024];
	const char *p;

	snprintf(text, sizeof(text), base, "", "~");
	p = write_tmp(text);
	cr_assert_eq(kc_load(p), -1);
	cr_assert(strstr(kc_err_buf, "': no current-context (choose one"), "%s", kc_err_buf);
	unlink(p);
	snprintf(text, sizeof(text), base, "    insecure-skip-tls-verify: yes", "x");
	p = write_tmp(text);
	cr_assert_eq(kc_load(p), -1);
	cr_assert(strstr(kc_err_buf, "': cluster 'c' sets insecure-skip-tls-verify: refused"), "%s",
		  kc_err_buf);
	unlink(p);
	snprintf(text, sizeof(text), base, "    insecure-skip-tls-verify: off", "x");
	p = write_tmp(text);
	cr_assert_eq(kc_load(p), 0, "%s", kc_err_buf);
	cr_assert_str_eq(kc_o.api_url, "https://c:6443");
	unlink(p);
}

Test(kubeconfig, alias_bomb_is_refused)
{
	const char *p = write_tmp("a: &a [x,x,x,x,x,x,x,x,x,x]\n"
				  "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
				  "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
				  "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
				  "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
				  "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n");
	char want[256];

	cr_assert_eq(kc_load(p), -1);
	snprintf(want, sizeof(want),
		 "kubernetes: kubeconfig '%s': YAML nested too deep or too large (aliases?)", p);
	cr_assert_str_eq(kc_err_buf, want);
	unlink(p);
}

Test(kubeconfig, small_buffer_fails_without_leaving_temp_files)
{
	struct nt_k8s_opts o = { 0 };
	/* room for the URL and the CA's temp path, not the token's (however long $TMPDIR is) */
	size_t room = sizeof("https://127.0.0.1:40123") + strlen(nt_test_tmpdir()) +
		      sizeof("/nettrail-k8s-XXXXXX");
	char buf[room + 8], err[512];

	cr_assert_eq(
		nt_k8s_load_kubeconfig(KCDIR "kind.yaml", &o, buf, sizeof(buf), err, sizeof(err)),
		-1);
	cr_assert_str_eq(err, "kubernetes: kubeconfig '" KCDIR
			      "kind.yaml': buffer too small or temporary file failed");
	cr_assert_not_null(o.ca_file);
	cr_assert_null(o.token_file);
	cr_assert_eq(access(o.ca_file, F_OK), -1, "%s was left behind", o.ca_file);
}
