/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ident.h - who a windowed rule's alert is about, kept between records.
 *
 * A rule that alerts after many records (dns_tunnel, egress_spike,
 * sensor_blind) keeps the ends' identities of its latest evidence as JSON
 * text (the record is gone by then) and hands them to the alert's
 * source/destination/observer/orchestrator when it fires.
 */
#ifndef DT_IDENT_H
#define DT_IDENT_H

#include <stddef.h>

#include "alert.h"
#include "input.h"

struct dt_ident {
	char *src_k8s, *dst_k8s, *cluster, *host, *dst_domain;
	char src_ip[64], dst_ip[64];
	int src_port, dst_port;
};

/* The record's ends (replacing what was kept); returns the change in bytes. */
long dt_ident_set(struct dt_ident *id, const struct dt_record *r);
void dt_ident_free(struct dt_ident *id);
/* Fills a's ends, host and cluster (borrowed from id). */
void dt_ident_alert(const struct dt_ident *id, struct dt_alert *a);

/* A copy of s (NULL for NULL) and the bytes a copy of s holds (its malloc chunk). */
char *dt_strdup0(const char *s);
size_t dt_slen(const char *s);

#endif
