// SPDX-License-Identifier: BSD-2-Clause
/* The field scanner (detect/jscan.c): escapes, nesting, repeated keys,
 * truncation, numbers, the depth limit, malformed input by cause. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "jscan.h"

enum { P_A, P_AB, P_ABC, P_K8S, P_NS, P_POD, P_FLAGS, P_S, P_N, P_COUNT };

static const struct dt_jpath_spec specs[P_COUNT] = {
	[P_A] = { "a", 0 },
	[P_AB] = { "a.b", 0 },
	[P_ABC] = { "a.b.c", 0 },
	[P_K8S] = { "source.kubernetes", DT_JF_TEXT },
	[P_NS] = { "source.kubernetes.namespace", 0 },
	[P_POD] = { "source.kubernetes.pod.name", 0 },
	[P_FLAGS] = { "flags", DT_JF_TEXT },
	[P_S] = { "s", 0 },
	[P_N] = { "n", 0 },
};

static struct dt_jpaths paths;
static struct dt_jval v[P_COUNT];
static char *arena;

static enum dt_jerr scan(const char *text)
{
	size_t len = strlen(text), cap;

	if (!paths.n_nodes)
		cr_assert_eq(dt_jpaths_compile(&paths, specs, P_COUNT), 0);
	free(arena);
	cap = dt_jscan_arena_size(&paths, len);
	arena = malloc(cap);
	cr_assert(arena);
	return dt_jscan(&paths, text, len, v, arena, cap);
}

static const char *s_of(const char *text)
{
	cr_assert_eq(scan(text), DT_JERR_OK, "%s", text);
	cr_assert_eq(v[P_S].type, DT_J_STRING, "%s", text);
	return v[P_S].s;
}

Test(jscan, compile_rejects)
{
	struct dt_jpaths p;
	const struct dt_jpath_spec nested[] = { { "a", DT_JF_TEXT }, { "a.b", DT_JF_TEXT } };
	const struct dt_jpath_spec twice[] = { { "a.b", 0 }, { "a.b", 0 } };
	const struct dt_jpath_spec empty[] = { { "a..b", 0 } };
	const struct dt_jpath_spec longkey[] = { { "abcdefghijklmnopqrstuvwxyz0123456", 0 } };

	cr_expect_eq(dt_jpaths_compile(&p, nested, 2), -1);
	cr_expect_eq(dt_jpaths_compile(&p, twice, 2), -1);
	cr_expect_eq(dt_jpaths_compile(&p, empty, 1), -1);
	cr_expect_eq(dt_jpaths_compile(&p, longkey, 1), -1);
}

Test(jscan, escapes)
{
	cr_expect_str_eq(s_of("{\"s\":\"plain\"}"), "plain");
	cr_expect_str_eq(s_of("{\"s\":\"q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\f\"}"),
			 "q\"b\\s/n\nt\tr\rb\bf\f");
	cr_expect_str_eq(s_of("{\"s\":\"\\u00e9\\u20AC\"}"), "\xc3\xa9\xe2\x82\xac");
	/* a surrogate pair is one 4-byte character; a lone surrogate U+FFFD */
	cr_expect_str_eq(s_of("{\"s\":\"\\ud83d\\ude00\"}"), "\xf0\x9f\x98\x80");
	cr_expect_str_eq(s_of("{\"s\":\"x\\ud83dy\"}"), "x\xef\xbf\xbdy");
	cr_expect_str_eq(s_of("{\"s\":\"\\ude00\"}"), "\xef\xbf\xbd");
	/* \u0000 is kept (the length says so); C strings stop there as json-c's do */
	s_of("{\"s\":\"a\\u0000b\"}");
	cr_expect_eq(v[P_S].n, 3);
	cr_expect_eq(memcmp(v[P_S].s, "a\0b", 4), 0);
	/* raw UTF-8 passes through */
	cr_expect_str_eq(s_of("{\"s\":\"caf\xc3\xa9\"}"), "caf\xc3\xa9");
	/* an escaped key matches its path */
	cr_expect_str_eq(s_of("{\"\\u0073\":\"by escaped key\"}"), "by escaped key");
	cr_expect_eq(scan("{\"s\":\"bad \\x escape\"}"), DT_JERR_BAD_STRING);
	cr_expect_eq(scan("{\"s\":\"bad \\u12g4\"}"), DT_JERR_BAD_STRING);
	cr_expect_eq(scan("{\"s\":\"raw\ttab\"}"), DT_JERR_BAD_STRING);
	cr_expect_eq(scan("{\"s\":\"raw \x01\"}"), DT_JERR_BAD_STRING);
	cr_expect_eq(scan("{\"raw\nkey\":1}"), DT_JERR_BAD_STRING);
}

/* the unescaped strings are json-c's, byte for byte */
Test(jscan, strings_as_json_c)
{
	const char *cases[] = { "{\"s\":\"\\u00e9t\\u00e9 \\\"q\\\" \\\\ \\/\"}",
				"{\"s\":\"\\ud83d\\ude00 \\u0041\\u00ff\\u0800\\uffff\"}",
				"{\"s\":\"tab\\tnl\\ncr\\r\"}" };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *o = json_tokener_parse(cases[i]);
		const char *want = dt_jstr(o, "s");

		cr_assert(want);
		cr_expect_str_eq(s_of(cases[i]), want, "%s", cases[i]);
		json_object_put(o);
	}
}

Test(jscan, nesting_and_text)
{
	const char *t = "{\"x\":{\"a\":[1,{\"b\":2}]},\"source\":{\"ip\":\"10.0.0.1\","
			"\"kubernetes\":{\"namespace\":\"shop\",\"pod\":{\"name\":\"web-1\","
			"\"uid\":\"u\"},\"labels\":{\"a\":\"b\"}}},\"flags\":[\"SYN\",\"PSH\"],"
			"\"a\":{\"b\":{\"c\":\"deep\"}}}";

	cr_assert_eq(scan(t), DT_JERR_OK);
	cr_expect_eq(v[P_K8S].type, DT_J_OBJECT);
	cr_expect_str_eq(v[P_K8S].s, "{\"namespace\":\"shop\",\"pod\":{\"name\":\"web-1\","
				     "\"uid\":\"u\"},\"labels\":{\"a\":\"b\"}}");
	cr_expect_str_eq(v[P_NS].s, "shop");
	cr_expect_str_eq(v[P_POD].s, "web-1");
	cr_expect_eq(v[P_A].type, DT_J_OBJECT);
	cr_expect_null(v[P_A].s); /* not a TEXT path */
	cr_expect_eq(v[P_AB].type, DT_J_OBJECT);
	cr_expect_str_eq(v[P_ABC].s, "deep");
	/* "b" inside x.a's array is not a.b */
	cr_expect_eq(v[P_FLAGS].type, DT_J_ARRAY);
	cr_expect(dt_jarray_has_string(v[P_FLAGS].s, v[P_FLAGS].n, "PSH"));
	cr_expect_not(dt_jarray_has_string(v[P_FLAGS].s, v[P_FLAGS].n, "FIN"));
	{
		const char *a1 = "[1,{\"PSH\":2},\"P\\u0053H\"]", *a2 = "[1,{\"PSH\":2},[\"PSH\"]]";

		cr_expect(dt_jarray_has_string(a1, strlen(a1), "PSH"));
		cr_expect_not(dt_jarray_has_string(a2, strlen(a2), "PSH"));
	}
	/* whitespace anywhere between tokens */
	cr_assert_eq(scan(" \t{ \"a\" :\r\n { \"b\" : { \"c\" : \"sp\" } } }\r\n "), DT_JERR_OK);
	cr_expect_str_eq(v[P_ABC].s, "sp");
	/* a wanted path under a value of another type is absent */
	cr_assert_eq(scan("{\"a\":\"str\",\"source\":{\"kubernetes\":[\"x\"]}}"), DT_JERR_OK);
	cr_expect_eq(v[P_A].type, DT_J_STRING);
	cr_expect_eq(v[P_AB].type, DT_J_ABSENT);
	cr_expect_eq(v[P_K8S].type, DT_J_ARRAY);
	cr_expect_eq(v[P_NS].type, DT_J_ABSENT);
}

/* a repeated key: the last one wins, and nothing of the earlier one stays */
Test(jscan, duplicate_keys)
{
	cr_assert_eq(scan("{\"s\":\"first\",\"s\":\"second\"}"), DT_JERR_OK);
	cr_expect_str_eq(v[P_S].s, "second");
	cr_assert_eq(scan("{\"s\":\"str\",\"s\":5}"), DT_JERR_OK);
	cr_expect_eq(v[P_S].type, DT_J_INT);
	cr_expect_eq(v[P_S].i, 5);
	cr_assert_eq(scan("{\"a\":{\"b\":{\"c\":\"old\"}},\"a\":{\"x\":1}}"), DT_JERR_OK);
	cr_expect_eq(v[P_A].type, DT_J_OBJECT);
	cr_expect_eq(v[P_AB].type, DT_J_ABSENT);
	cr_expect_eq(v[P_ABC].type, DT_J_ABSENT);
	cr_assert_eq(scan("{\"a\":{\"b\":{\"c\":\"old\"},\"b\":{\"c\":\"new\"}}}"), DT_JERR_OK);
	cr_expect_str_eq(v[P_ABC].s, "new");
	cr_assert_eq(scan("{\"source\":{\"kubernetes\":{\"namespace\":\"a\"}},"
			  "\"source\":{\"kubernetes\":{\"pod\":{\"name\":\"p\"}}}}"),
		     DT_JERR_OK);
	cr_expect_eq(v[P_NS].type, DT_J_ABSENT);
	cr_expect_str_eq(v[P_POD].s, "p");
	cr_expect_str_eq(v[P_K8S].s, "{\"pod\":{\"name\":\"p\"}}");
	/* as json-c: the same answers from its tree */
	struct json_object *o =
		json_tokener_parse("{\"a\":{\"b\":{\"c\":\"old\"}},\"a\":{\"x\":1}}");
	cr_expect_null(dt_jpath(o, "a.b"));
	json_object_put(o);
}

Test(jscan, numbers)
{
	struct {
		const char *text;
		enum dt_jtype type;
		int64_t i;
	} ok[] = {
		{ "0", DT_J_INT, 0 },
		{ "-0", DT_J_INT, 0 },
		{ "123", DT_J_INT, 123 },
		{ "-45", DT_J_INT, -45 },
		{ "9223372036854775807", DT_J_INT, INT64_MAX },
		{ "9223372036854775808", DT_J_INT, INT64_MAX }, /* clamped */
		{ "99999999999999999999999", DT_J_INT, INT64_MAX },
		{ "-9223372036854775808", DT_J_INT, INT64_MIN },
		{ "-9223372036854775809", DT_J_INT, INT64_MIN },
		{ "1.5", DT_J_DOUBLE, 0 },
		{ "-0.25", DT_J_DOUBLE, 0 },
		{ "1e3", DT_J_DOUBLE, 0 },
		{ "-2.5E-3", DT_J_DOUBLE, 0 },
		{ "6e+2", DT_J_DOUBLE, 0 },
	};
	const char *bad[] = { "01",  "1.",   ".5",   "-",	 "1e",	"1e+",	    "+1",
			      "--1", "0x10", "1.e3", "Infinity", "NaN", "-Infinity" };
	char t[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(t, sizeof(t), "{\"n\":%s}", ok[i].text);
		cr_assert_eq(scan(t), DT_JERR_OK, "%s", t);
		cr_expect_eq(v[P_N].type, ok[i].type, "%s", t);
		if (ok[i].type == DT_J_INT)
			cr_expect_eq(v[P_N].i, ok[i].i, "%s", t);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(t, sizeof(t), "{\"n\":%s}", bad[i]);
		cr_expect_eq(scan(t), DT_JERR_SYNTAX, "%s", t);
	}
	cr_assert_eq(scan("{\"n\":[-1,2.5e10,true,false,null],\"s\":true}"), DT_JERR_OK);
	cr_expect_eq(v[P_N].type, DT_J_ARRAY);
	cr_expect_eq(v[P_S].type, DT_J_TRUE);
}

/* every proper prefix of a valid object is truncated, never anything else */
Test(jscan, truncation)
{
	struct harness h;
	struct flow_spec s = { .src = "10.0.0.1",
			       .dst = "10.0.0.2",
			       .start = T0,
			       .src_k8s = "{\"namespace\":\"a\\u00e9\",\"pod\":{\"name\":\"p\"}}",
			       .psh = true };
	char *line;
	size_t len;

	h_init(&h, NULL);
	line = h_flow_line(&h, &s);
	len = strlen(line);
	cr_assert_eq(scan(line), DT_JERR_OK);
	for (size_t n = 1; n < len; n++) {
		char *p = strndup(line, n);

		cr_expect_eq(scan(p), DT_JERR_TRUNCATED, "prefix %zu: %s", n, p);
		free(p);
	}
	cr_expect_eq(scan("{\"s\":\"\\u00"), DT_JERR_TRUNCATED);
	cr_expect_eq(scan("{\"s\":tru"), DT_JERR_TRUNCATED);
	free(line);
	h_free(&h);
}

Test(jscan, depth_limit)
{
	char *t = malloc(600064);
	size_t n = 0;

	/* the outer object is level 1: 31 more arrays is 32, the limit */
	n += (size_t)sprintf(t, "{\"n\":");
	for (int i = 0; i < 31; i++)
		t[n++] = '[';
	for (int i = 0; i < 31; i++)
		t[n++] = ']';
	strcpy(t + n, "}");
	cr_expect_eq(scan(t), DT_JERR_OK);
	n = (size_t)sprintf(t, "{\"n\":");
	for (int i = 0; i < 32; i++)
		t[n++] = '[';
	for (int i = 0; i < 32; i++)
		t[n++] = ']';
	strcpy(t + n, "}");
	cr_expect_eq(scan(t), DT_JERR_TOO_DEEP);
	/* far deeper than any stack would take: refused at the limit */
	n = (size_t)sprintf(t, "{\"a\":");
	for (int i = 0; i < 100000; i++)
		n += (size_t)sprintf(t + n, "{\"a\":");
	t[n] = 0;
	cr_expect_eq(scan(t), DT_JERR_TOO_DEEP);
	free(t);
}

Test(jscan, malformed_by_cause)
{
	cr_expect_eq(scan(""), DT_JERR_NOT_OBJECT);
	cr_expect_eq(scan("   "), DT_JERR_NOT_OBJECT);
	cr_expect_eq(scan("[1]"), DT_JERR_NOT_OBJECT);
	cr_expect_eq(scan("plain text"), DT_JERR_NOT_OBJECT);
	cr_expect_eq(scan("\"s\""), DT_JERR_NOT_OBJECT);
	cr_expect_eq(scan("{\"a\" 1}"), DT_JERR_SYNTAX);
	cr_expect_eq(scan("{\"a\":1,}"), DT_JERR_SYNTAX);
	cr_expect_eq(scan("{,}"), DT_JERR_SYNTAX);
	cr_expect_eq(scan("{a:1}"), DT_JERR_SYNTAX);
	cr_expect_eq(scan("{'a':1}"), DT_JERR_SYNTAX);
	cr_expect_eq(scan("{\"a\":1 /* c */}"), DT_JERR_SYNTAX);
	cr_expect_eq(scan("{\"a\":[1,]}"), DT_JERR_SYNTAX);
	cr_expect_eq(scan("{\"a\":tru}"), DT_JERR_SYNTAX);
	cr_expect_eq(scan("{\"a\":1]"), DT_JERR_SYNTAX);
	cr_expect_eq(scan("{\"a\":1}}"), DT_JERR_TRAILING);
	cr_expect_eq(scan("{\"a\":1} {\"b\":2}"), DT_JERR_TRAILING);
	cr_expect_eq(scan("{\"a\":1} x"), DT_JERR_TRAILING);
	cr_expect_eq(scan("{\"a\":1}  \r\n"), DT_JERR_OK);
	cr_expect_eq(scan("{}"), DT_JERR_OK);
	cr_expect_str_eq(dt_jerr_name(DT_JERR_TRUNCATED), "truncated JSON");
}

/* in the detector: one counter per cause, never fatal, good lines still count */
Test(jscan, detector_counts_causes)
{
	struct harness h;
	struct flow_spec s = { .src = "10.0.0.1", .dst = "10.0.0.2", .start = T0 };
	char *good;

	h_init(&h, NULL);
	good = h_flow_line(&h, &s);
	h_line(&h, "{\"event\":{\"dataset\":\"nettrail.flow\"},}");
	h_line(&h, "{\"event\":{\"dataset\":\"nettrail.flow\"},\"source\":{\"ip\":\"10.");
	h_line(&h,
	       "{\"event\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}");
	h_line(&h, "{\"event\":{\"dataset\":\"nettrail\\qflow\"}}");
	h_line(&h, "{\"event\":{\"dataset\":\"nettrail.flow\"}}{");
	h_line(&h, good);
	h_line(&h, "\xff\xfe garbage");
	h_finish(&h);
	cr_expect_eq(h_counter(&h, "lines"), 7);
	cr_expect_eq(h_counter(&h, "malformed_syntax"), 1);
	cr_expect_eq(h_counter(&h, "malformed_truncated"), 1);
	cr_expect_eq(h_counter(&h, "malformed_too_deep"), 1);
	cr_expect_eq(h_counter(&h, "malformed_bad_string"), 1);
	cr_expect_eq(h_counter(&h, "malformed_trailing"), 1);
	cr_expect_eq(h_counter(&h, "malformed_not_json"), 1);
	cr_expect_eq(h_counter(&h, "flow_records"), 1);
	cr_expect(strstr(h.d.last_error, "line 7: not a JSON object"), "%s", h.d.last_error);
	free(good);
	h_free(&h);
	free(arena);
	arena = NULL;
}
