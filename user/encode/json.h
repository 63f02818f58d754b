/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * json.h - a small, fast JSON-lines writer for the per-record hot path.
 *
 * A struct jw owns one growable buffer. Callers append values with the
 * jw_* functions; commas between members and elements are inserted
 * automatically per nesting depth, and jw_newline() ends one record. The
 * caller then writes w->buf[0 .. w->len) wherever it wants and calls
 * jw_reset() to start the next batch.
 *
 * Guarantees:
 *  - Every string value (jw_str, jw_strn) is escaped so that ANY input byte
 *    sequence yields valid JSON that is also valid UTF-8: '"' and '\\' are
 *    escaped, control characters become \b \f \n \r \t or \u00XX, DEL
 *    becomes \u007f, U+2028/U+2029 become \u2028/\u2029 (so the output is
 *    also safe inside JavaScript), and every ill-formed UTF-8 subsequence
 *    (overlong forms, surrogates D800-DFFF, code points above 10FFFF,
 *    truncated sequences, stray continuation bytes, bytes C0 C1 F5-FF) is
 *    replaced by \ufffd, one per maximal subpart as recommended by The
 *    Unicode Standard (chapter 3, "U+FFFD Substitution of Maximal
 *    Subparts"). Hex digits are lower case.
 *  - KEYS ARE NOT ESCAPED. They must be trusted compile-time constants
 *    made of printable ASCII other than '"' and '\\'. Never pass data from
 *    the network or the user as a key.
 *  - jw_raw() values are copied verbatim; the caller vouches for them.
 *  - The buffer grows as needed. Allocation failure aborts the process
 *    (the record path has no way to report it). So does nesting deeper
 *    than JW_MAX_DEPTH or closing a container that is not open: both are
 *    bugs in the caller, not data conditions.
 *  - w->buf is not NUL-terminated between calls; jw_cstr() terminates it.
 *
 * Usage: at depth 0 (top level) pass key NULL to jw_obj_open(); inside an
 * array pass key NULL for every element; inside an object pass a key for
 * every member. Nothing checks this pairing: it is the caller's contract.
 */
#ifndef NETTRAIL_JSON_H
#define NETTRAIL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct jw {
	char *buf;
	size_t len, cap;
	int depth;
	/* first[d]: nothing written yet in the container at depth d */
	unsigned char first[32];
};

/* Deepest nesting of objects/arrays that a struct jw can track. */
#define JW_MAX_DEPTH 31

/* Length of jw_fmt_u64()'s longest output (UINT64_MAX). */
#define JW_U64_MAX_LEN 20

/* Length of jw_fmt_rfc3339_us()'s output: YYYY-MM-DDTHH:MM:SS.uuuuuuZ */
#define JW_RFC3339_US_LEN 27

/*
 * jw_init - make an empty writer with room for initial_cap bytes (a small
 * default when 0). Aborts only if the allocation fails.
 */
void jw_init(struct jw *w, size_t initial_cap);

/* jw_free - release the buffer; *w is left empty and must be re-initialised
 * with jw_init() before further use. Safe to call twice. */
void jw_free(struct jw *w);

/* jw_reset - discard the content (len = 0, depth = 0) but keep the buffer. */
void jw_reset(struct jw *w);

/*
 * jw_obj_open / jw_arr_open - start an object / array, as member key of
 * the enclosing object, or (key NULL) at top level or as an array element.
 * jw_obj_close / jw_arr_close end the innermost one.
 */
static inline void jw_obj_open(struct jw *w, const char *key);
void jw_obj_close(struct jw *w);
static inline void jw_arr_open(struct jw *w, const char *key);
void jw_arr_close(struct jw *w);

/* jw_str - NUL-terminated string s, escaped as described above; s NULL
 * writes JSON null. */
static inline void jw_str(struct jw *w, const char *key, const char *s);

/* jw_strn - exactly n bytes of s (NUL bytes included, written as \u0000),
 * escaped as described above; s NULL writes JSON null. */
static inline void jw_strn(struct jw *w, const char *key, const char *s, size_t n);

/* jw_u64 / jw_i64 - decimal integer, no leading zeros, '-' for negatives
 * (INT64_MIN included). */
static inline void jw_u64(struct jw *w, const char *key, uint64_t v);
static inline void jw_i64(struct jw *w, const char *key, int64_t v);

/* jw_bool - true when v is non-zero, else false. */
static inline void jw_bool(struct jw *w, const char *key, int v);

/* jw_null - JSON null. */
static inline void jw_null(struct jw *w, const char *key);

/* jw_raw - n bytes of pre-encoded JSON, copied verbatim as one value. */
static inline void jw_raw(struct jw *w, const char *key, const char *json, size_t n);

/* jw_time - unix_ns as an RFC 3339 string (see jw_fmt_rfc3339_us). */
static inline void jw_time(struct jw *w, const char *key, uint64_t unix_ns);

/* jw_newline - end a record with '\n'. The next top-level value gets no
 * comma (top-level values never do). */
void jw_newline(struct jw *w);

/* jw_cstr - NUL-terminate the buffer (without counting the NUL in len)
 * and return it. Valid until the next call that appends. */
const char *jw_cstr(struct jw *w);

/*
 * jw_fmt_u64 - write v in decimal to out (at least JW_U64_MAX_LEN bytes),
 * with no leading zeros and no NUL. Returns the number of bytes written
 * (1 to 20).
 */
size_t jw_fmt_u64(char *out, uint64_t v);

/*
 * jw_fmt_rfc3339_us - write unix_ns (nanoseconds since 1970-01-01 UTC) as
 * YYYY-MM-DDTHH:MM:SS.uuuuuuZ to out (at least JW_RFC3339_US_LEN bytes),
 * no NUL. Microseconds are truncated, not rounded. Leap seconds do not
 * exist in unix time and are never produced. Every uint64_t is accepted
 * (the largest is in year 2554). Returns JW_RFC3339_US_LEN.
 * Pure arithmetic: no gmtime, strftime, locale or time zone lookups.
 */
size_t jw_fmt_rfc3339_us(char *out, uint64_t unix_ns);

/*
 * The writers behind the calls above take the key's length: the inline
 * calls measure it where they are called, so a literal key (nearly every
 * one) costs no strlen per record, nor does a literal string value.
 */
void jw_obj_open_k(struct jw *w, const char *key, size_t klen);
void jw_arr_open_k(struct jw *w, const char *key, size_t klen);
void jw_strn_k(struct jw *w, const char *key, size_t klen, const char *s, size_t n);
void jw_u64_k(struct jw *w, const char *key, size_t klen, uint64_t v);
void jw_i64_k(struct jw *w, const char *key, size_t klen, int64_t v);
void jw_raw_k(struct jw *w, const char *key, size_t klen, const char *json, size_t n);
void jw_time_k(struct jw *w, const char *key, size_t klen, uint64_t unix_ns);

static inline size_t jw_klen(const char *key)
{
	return key ? strlen(key) : 0;
}

static inline void jw_obj_open(struct jw *w, const char *key)
{
	jw_obj_open_k(w, key, jw_klen(key));
}

static inline void jw_arr_open(struct jw *w, const char *key)
{
	jw_arr_open_k(w, key, jw_klen(key));
}

static inline void jw_strn(struct jw *w, const char *key, const char *s, size_t n)
{
	jw_strn_k(w, key, jw_klen(key), s, n);
}

static inline void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_strn_k(w, key, jw_klen(key), s, s ? strlen(s) : 0);
}

static inline void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_u64_k(w, key, jw_klen(key), v);
}

static inline void jw_i64(struct jw *w, const char *key, int64_t v)
{
	jw_i64_k(w, key, jw_klen(key), v);
}

static inline void jw_raw(struct jw *w, const char *key, const char *json, size_t n)
{
	jw_raw_k(w, key, jw_klen(key), json, n);
}

static inline void jw_bool(struct jw *w, const char *key, int v)
{
	jw_raw(w, key, v ? "true" : "false", v ? 4 : 5);
}

static inline void jw_null(struct jw *w, const char *key)
{
	jw_raw(w, key, "null", 4);
}

static inline void jw_time(struct jw *w, const char *key, uint64_t unix_ns)
{
	jw_time_k(w, key, jw_klen(key), unix_ns);
}

#endif /* NETTRAIL_JSON_H */
