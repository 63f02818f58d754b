/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jscan.h - one pass over a JSON object, picking the values at given paths.
 *
 * The detector reads about 50 fields of a 1 KB record; building a json-c
 * tree of it (20 objects and their hash tables a record) and freeing it was
 * two thirds of its time. dt_jscan() instead walks the bytes once, checks
 * the whole text against RFC 8259 (strict: no comments, NaN or trailing
 * commas; control characters must be escaped), and stores the values found
 * at the compiled paths ("source.kubernetes.namespace") in a fixed array of
 * struct dt_jval. It allocates nothing: strings are unescaped (only when they
 * hold an escape), NUL-terminated, into an arena the caller gives, which
 * dt_jscan_arena_size() bytes always suffice for.
 *
 *  - Types are json-c's: a number without fraction or exponent is an INT
 *    (clamped to int64), anything else a DOUBLE; a path whose value has
 *    another type than the caller wants is the caller's to treat as absent.
 *  - A key repeated in an object: the last one wins, as in json-c (the
 *    values under the earlier one are forgotten).
 *  - Objects and arrays at a path flagged DT_JF_TEXT keep their JSON text
 *    (as in the input; such paths may not nest). dt_jarray_has_string()
 *    looks for a string in an array's text.
 *  - Nesting deeper than DT_JSON_MAX_DEPTH (json-c's default, 32) is an
 *    error, so the recursion is bounded.
 *
 * Errors are one per cause, so the caller can count them apart.
 */
#ifndef DT_JSCAN_H
#define DT_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DT_JSON_MAX_DEPTH 32
#define DT_JNODES_MAX	  128
#define DT_JKEY_MAX	  31
#define DT_JTABLE	  512 /* (parent, key) -> node, open addressing; a power of 2 */

enum dt_jtype {
	DT_J_ABSENT = 0,
	DT_J_NULL,
	DT_J_FALSE,
	DT_J_TRUE,
	DT_J_INT,
	DT_J_DOUBLE,
	DT_J_STRING,
	DT_J_OBJECT,
	DT_J_ARRAY,
};

enum dt_jerr {
	DT_JERR_OK = 0,
	DT_JERR_NOT_OBJECT, /* the text does not start with '{' (empty, an array, prose) */
	DT_JERR_SYNTAX,	    /* a byte where the grammar allows none */
	DT_JERR_TRUNCATED,  /* the text ends inside the object */
	DT_JERR_TOO_DEEP,   /* more than DT_JSON_MAX_DEPTH nested objects/arrays */
	DT_JERR_BAD_STRING, /* a bad escape, \u sequence or raw control character */
	DT_JERR_TRAILING,   /* bytes after the object (two objects on a line) */
	DT_JERR_COUNT
};

struct dt_jval {
	enum dt_jtype type;
	/* STRING: the unescaped value; OBJECT/ARRAY with DT_JF_TEXT: its JSON
	 * text; NUL-terminated, in the arena; else NULL */
	const char *s;
	size_t n;  /* bytes of s (a string may hold NULs from \u0000) */
	int64_t i; /* INT */
};

#define DT_JF_TEXT 1u

struct dt_jpath_spec {
	const char *path; /* dotted; keys of at most DT_JKEY_MAX bytes without '.' */
	unsigned flags;
};

struct dt_jnode {
	char key[DT_JKEY_MAX + 1];
	uint8_t keylen;
	bool text;
	int16_t slot;	     /* index into the values, -1: an inner node only */
	int16_t child, next; /* first child, next sibling; -1: none */
	int16_t parent;
	uint64_t kids; /* a bit per child's (length, first byte): most other keys miss it */
};

/* The compiled paths: a tree of keys, node 0 the root object, and a hash
 * table finding a node by its parent and key in about one probe. */
struct dt_jpaths {
	struct dt_jnode node[DT_JNODES_MAX];
	int16_t table[DT_JTABLE]; /* node index, -1: empty */
	int n_nodes, n_slots;
};

/* Slot i is spec[i]. -1 on a bad path, too many nodes, or nested TEXT paths. */
int dt_jpaths_compile(struct dt_jpaths *p, const struct dt_jpath_spec *spec, int n);
/* Arena bytes enough for any text of len bytes. */
size_t dt_jscan_arena_size(const struct dt_jpaths *p, size_t len);
/* Scans text; vals[p->n_slots] are reset first. */
enum dt_jerr dt_jscan(const struct dt_jpaths *p, const char *text, size_t len, struct dt_jval *vals,
		      char *arena, size_t arena_cap);
const char *dt_jerr_name(enum dt_jerr e);
/* True when the JSON array text (as kept by DT_JF_TEXT) holds the string s. */
bool dt_jarray_has_string(const char *array_text, size_t len, const char *s);

#endif
