// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_detect.c - libFuzzer target for nettrail-detect's input: each input is
 * split at newlines and every line goes through dt_detector_line() (the JSON
 * parse, the record fields, every rule) of one detector, then the end of
 * input (dt_detector_finish). Alerts go to an in-memory stream. Besides the
 * sanitizers, the target checks that every line is counted exactly once
 * (records by dataset plus malformed by reason) and that the store never
 * keeps more than its cap past a line.
 *
 * Build and run (seeds: records of each dataset and malformed lines):
 *   tests/suites/fuzz.sh builds it with every detect source but main.c
 *   (-Idetect -ljson-c -lxxhash -lrdkafka -lm), then:
 *   "$TMPDIR/fz" -max_total_time=120 "$TMPDIR/fz-corpus" tests/fuzz/corpus/detect
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dt_config cfg;
	struct dt_output out;
	struct dt_detector d;
	char *buf = NULL;
	size_t len = 0, start = 0;
	uint64_t lines = 0;

	dt_config_defaults(&cfg);
	cfg.memory_cap_bytes = 64 * 1024; /* small: eviction paths run too */
	memset(&out, 0, sizeof(out));
	out.f = open_memstream(&buf, &len);
	CHECK(out.f);
	dt_detector_init(&d, &cfg, &out);
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		dt_detector_line(&d, (const char *)data + start, i - start);
		lines++;
		start = i + 1;
	}
	dt_detector_finish(&d);
	const struct dt_counters *n = &d.n;
	CHECK(n->lines == lines);
	CHECK(n->flows + n->dns + n->heartbeats + dt_malformed_total(n) == lines);
	dt_detector_free(&d);
	fclose(out.f);
	free(buf);
	return 0;
}
