// SPDX-License-Identifier: BSD-2-Clause
/* counters.c - the registry's tables (see counters.h). */
#include "counters.h"

#define NT_DEF_(id, n, h, ...) { .name = n, .help = h },
#define NT_NONE_(...)
const struct nt_metric_def nt_counter_defs[NT_C_MAX] = { NT_KERNEL_STATS(NT_DEF_) NT_METRICS_USER(
	NT_DEF_, NT_NONE_, NT_DEF_, NT_NONE_) };
const struct nt_metric_def nt_gauge_defs[NT_G_MAX] = { NT_METRICS_USER(NT_NONE_, NT_DEF_, NT_NONE_,
								       NT_DEF_) };
#undef NT_DEF_

void nt_counters_list(FILE *f)
{
	for (int i = 0; i < NT_C_MAX; i++)
		fprintf(f, "counter\t%s\t%s\n", nt_counter_defs[i].name, nt_counter_defs[i].help);
	for (int i = 0; i < NT_G_MAX; i++)
		fprintf(f, "gauge\t%s\t%s\n", nt_gauge_defs[i].name, nt_gauge_defs[i].help);
}
