/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * counters.h - the one registry of nettrail's counters and gauges.
 *
 * Every counter and gauge is declared once, with its name and help text:
 * the kernel's (include/nettrail.h NT_KERNEL_STATS, same order, same
 * indexes) and then userspace's, module by module, in counters.def with
 * the stats field each is read from. The heartbeat record, /metrics
 * (nettrail_<name>_total, nettrail_<name>), `nettrail --list-metrics`,
 * docs/metrics.md and the heartbeat schema all come from that table, and
 * telemetry.c copies every module's stats into a snapshot of it;
 * tests/lib/check_counters.py fails when a module's stats field is in no
 * row. Adding a counter a module keeps: one row in counters.def.
 *
 * Counters only go up (cumulative since start); gauges are values now.
 */
#ifndef NT_COUNTERS_H
#define NT_COUNTERS_H

#include <stdint.h>
#include <stdio.h>

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "nettrail.h"

#include "counters.def"

#define NT_NONE_(...)
#define NT_C_ENUM_(id, ...) NT_C_##id,
#define NT_G_ENUM_(id, ...) NT_G_##id,
enum nt_counter {
	NT_KERNEL_STATS(NT_C_ENUM_) NT_METRICS_USER(NT_C_ENUM_, NT_NONE_, NT_C_ENUM_, NT_NONE_)
		NT_C_MAX
};
enum nt_gauge { NT_METRICS_USER(NT_NONE_, NT_G_ENUM_, NT_NONE_, NT_G_ENUM_) NT_G_MAX };
#undef NT_C_ENUM_
#undef NT_G_ENUM_

_Static_assert((int)NT_C_PACKETS == (int)NT_STAT_PACKETS &&
		       (int)NT_C_SAMPLES_LOST == (int)NT_STAT_SAMPLES_LOST &&
		       (int)NT_C_FLOWS_REPORTED == (int)NT_STAT_MAX,
	       "the kernel counters come first, at their nt_stat index");

struct nt_metric_def {
	const char *name;
	const char *help;
};

extern const struct nt_metric_def nt_counter_defs[NT_C_MAX];
extern const struct nt_metric_def nt_gauge_defs[NT_G_MAX];

/* One reading of every counter and gauge. */
struct nt_metrics_snap {
	uint64_t c[NT_C_MAX];
	uint64_t g[NT_G_MAX];
};

/* `--list-metrics`: "counter<TAB>name<TAB>help" and "gauge<TAB>..." lines. */
void nt_counters_list(FILE *f);

#endif
