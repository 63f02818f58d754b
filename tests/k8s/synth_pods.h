/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * synth_pods.h - a store of n Deployment-shaped pods (100 namespaces, a
 * Service and a ReplicaSet each; pod i at 10.(64 + i>>16).(i>>8).(i&255)
 * and, with v6, fd00:10::(i>>16):(i&0xffff)) for the memory figures
 * (k8s_client_driver mem) and the enrichment benchmark (bench_enrich).
 */
#ifndef NT_SYNTH_PODS_H
#define NT_SYNTH_PODS_H

#include "k8s_ident.h"

void nt_synth_pods(struct nt_k8s_store *s, long n, int v6);

#endif
