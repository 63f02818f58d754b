/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * audit.h - the audit record of an on-demand capture (event.dataset
 * nettrail.capture, docs/schema/capture.schema.json): who asked, for what,
 * with which limits, and what was taken.
 */
#ifndef NT_AUDIT_H
#define NT_AUDIT_H

struct nt_recorder;
struct nt_capture_audit;

/* Encodes one audit record through the recorder's output (ECS). It goes
 * the heartbeat's way in Kafka (its topic): both are the sensor's own
 * records. ctx is the struct nt_recorder. */
void nt_record_capture(void *ctx, const struct nt_capture_audit *a);

#endif
