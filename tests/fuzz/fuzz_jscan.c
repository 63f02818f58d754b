// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_jscan.c - libFuzzer target for detect/jscan.c, the field scanner that
 * reads every line the detector gets (untrusted bytes). Each input is one
 * text; the target scans it with a fixed set of paths (nested objects, a
 * TEXT object, a TEXT array, plain values) and checks, besides the
 * sanitizers:
 *  - every kept string and text lies in the arena, NUL-terminated;
 *  - a kept object's text scans again as a valid object;
 *  - a text the scanner accepts, json-c accepts too (as an object), and the
 *    values at the string paths are json-c's byte for byte (the last of a
 *    repeated key, unescaped alike);
 *  - dt_jarray_has_string() on a kept array does not read past it.
 *
 * Build and run (seeds: records of each dataset and malformed JSON):
 *   tests/suites/fuzz.sh builds it with detect/jscan.c and detect/record.c
 *   (-Idetect -ljson-c), then:
 *   "$TMPDIR/fz" -max_total_time=120 "$TMPDIR/fz-corpus" tests/fuzz/corpus/jscan
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "jscan.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

enum { P_DS, P_IP, P_K8S, P_NS, P_POD, P_FLAGS, P_PORT, P_REC, P_COUNT };

static const struct dt_jpath_spec specs[P_COUNT] = {
	[P_DS] = { "event.dataset", 0 },
	[P_IP] = { "source.ip", 0 },
	[P_K8S] = { "source.kubernetes", DT_JF_TEXT },
	[P_NS] = { "source.kubernetes.namespace", 0 },
	[P_POD] = { "source.kubernetes.pod.name", 0 },
	[P_FLAGS] = { "nettrail.tcp.flags.source", DT_JF_TEXT },
	[P_PORT] = { "source.port", 0 },
	[P_REC] = { "nettrail.record_id", 0 },
};

static void same_as_json_c(struct json_object *o, const struct dt_jval *v)
{
	for (int i = 0; i < P_COUNT; i++) {
		struct json_object *j = dt_jpath(o, specs[i].path);

		if (v[i].type != DT_J_STRING)
			continue;
		CHECK(j && json_object_is_type(j, json_type_string));
		CHECK((size_t)json_object_get_string_len(j) == v[i].n);
		CHECK(!memcmp(json_object_get_string(j), v[i].s, v[i].n));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dt_jpaths paths;
	struct dt_jval v[P_COUNT], again[P_COUNT];
	size_t cap;
	char *arena, *arena2;
	enum dt_jerr e;

	if (!paths.n_nodes)
		CHECK(!dt_jpaths_compile(&paths, specs, P_COUNT));
	cap = dt_jscan_arena_size(&paths, size);
	arena = malloc(cap);
	CHECK(arena);
	e = dt_jscan(&paths, (const char *)data, size, v, arena, cap);
	CHECK(e < DT_JERR_COUNT);
	for (int i = 0; e == DT_JERR_OK && i < P_COUNT; i++) {
		if (!v[i].s)
			continue;
		CHECK(v[i].s >= arena && v[i].s + v[i].n < arena + cap && !v[i].s[v[i].n]);
		if (v[i].type == DT_J_ARRAY)
			dt_jarray_has_string(v[i].s, v[i].n, "PSH");
		if (v[i].type == DT_J_OBJECT) {
			size_t c2 = dt_jscan_arena_size(&paths, v[i].n);

			arena2 = malloc(c2);
			CHECK(arena2);
			CHECK(dt_jscan(&paths, v[i].s, v[i].n, again, arena2, c2) == DT_JERR_OK);
			free(arena2);
		}
	}
	if (e == DT_JERR_OK) {
		struct json_tokener *tok = json_tokener_new_ex(DT_JSON_MAX_DEPTH + 2);
		struct json_object *o;

		CHECK(tok);
		o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
		CHECK(o && json_object_is_type(o, json_type_object));
		same_as_json_c(o, v);
		json_object_put(o);
		json_tokener_free(tok);
	}
	free(arena);
	return 0;
}
