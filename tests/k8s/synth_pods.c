// SPDX-License-Identifier: BSD-2-Clause
#include "synth_pods.h"

#include <stdio.h>

void nt_synth_pods(struct nt_k8s_store *s, long n, int v6)
{
	char js[4096], ip6[96];

	for (int ns = 0; ns < 100; ns++) {
		snprintf(
			js, sizeof(js),
			"{\"metadata\":{\"name\":\"app%d\",\"namespace\":\"team-%d\"},\"spec\":{\"selector\":{\"app\":\"app%d\"},"
			"\"clusterIPs\":[\"10.96.%d.%d\"]}}",
			ns, ns, ns, ns / 250, ns % 250 + 1);
		nt_k8s_store_apply_json(s, NT_K8S_R_SERVICES, NT_K8S_EV_ADDED, js, 1);
		snprintf(
			js, sizeof(js),
			"{\"metadata\":{\"name\":\"app%d-5d8f7c9b6d\",\"namespace\":\"team-%d\",\"ownerReferences\":"
			"[{\"kind\":\"Deployment\",\"name\":\"app%d\",\"controller\":true}]}}",
			ns, ns, ns);
		nt_k8s_store_apply_json(s, NT_K8S_R_REPLICASETS, NT_K8S_EV_ADDED, js, 1);
	}
	for (long i = 0; i < n; i++) {
		int ns = (int)(i % 100);

		ip6[0] = 0;
		if (v6)
			snprintf(ip6, sizeof(ip6), ",{\"ip\":\"fd00:10::%lx:%lx\"}", i >> 16,
				 i & 0xffff);
		snprintf(
			js, sizeof(js),
			"{\"metadata\":{\"name\":\"app%d-5d8f7c9b6d-%05lx\",\"namespace\":\"team-%d\","
			"\"uid\":\"%08lx-1c2d-4e5f-8a9b-0c1d2e3f4a5b\","
			"\"labels\":{\"app\":\"app%d\",\"pod-template-hash\":\"5d8f7c9b6d\"},"
			"\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"app%d-5d8f7c9b6d\","
			"\"uid\":\"x\",\"controller\":true}]},"
			"\"spec\":{\"nodeName\":\"node-%ld\",\"serviceAccountName\":\"app%d\"},"
			"\"status\":{\"phase\":\"Running\",\"podIP\":\"10.%ld.%ld.%ld\",\"podIPs\":[{\"ip\":\"10.%ld.%ld.%ld\"}"
			"%s]}}",
			ns, i, ns, i, ns, ns, i % 500, ns, 64 + (i >> 16), (i >> 8) & 255, i & 255,
			64 + (i >> 16), (i >> 8) & 255, i & 255, ip6);
		nt_k8s_store_apply_json(s, NT_K8S_R_PODS, NT_K8S_EV_ADDED, js, 1);
		if (i % 1000 == 999)
			nt_k8s_store_flush(s, 1);
	}
	nt_k8s_store_flush(s, 1);
}
