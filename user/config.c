// SPDX-License-Identifier: BSD-2-Clause
/*
 * config.c - flags and NETTRAIL_* environment variables, one row an option.
 *
 * A row of opts[] names an option (long name, short name; the variable is
 * NETTRAIL_ and the long name in capitals), its kind (how a value is parsed,
 * printed and freed), the field it sets (offsetof into struct nt_config,
 * checked against the kind's type when it compiles), a range or the words
 * of a choice, the default as written after the flag, a metavar and the
 * help text. getopt_long's table, the environment, --help, --check-config
 * (nt_config_print), the defaults and nt_config_free all walk the table:
 * a new option is one row (opts[], after the kinds it uses). What ties two
 * options together (--output kafka needs --kafka-brokers) is code after the
 * parse, in check_combinations.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strdup, memmem, getrandom... whatever the flags */
#endif
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct opt;

/* A kind of value: how it is parsed, printed (--check-config) and freed. */
struct opt_kind {
	int (*parse)(struct nt_config *cfg, const struct opt *o, const char *val, char *err,
		     size_t errlen);
	/* NULL: a command (--help...), not configuration: not printed */
	void (*print)(FILE *f, const struct nt_config *cfg, const struct opt *o);
	void (*release)(struct nt_config *cfg, const struct opt *o);
	/* a heap string: nt_config_defaults allocates nothing (callers may put
	 * their own copies in), so nt_config_parse copies the default in when
	 * neither the environment nor a flag set one */
	int late_default;
};

struct opt {
	struct nt_option pub; /* name, short name, metavar, default, help */
	const struct opt_kind *kind;
	size_t off;		  /* the field: offsetof(struct nt_config, ...) */
	size_t n_off;		  /* a list's count (size_t) */
	uint64_t min, max;	  /* a number's range; a list's capacity */
	const char *const *words; /* a choice: value i is words[i] */
	/* a string's check before it is copied, or NULL */
	int (*check)(const struct opt *o, const char *val, char *err, size_t errlen);
};

#define FIELD(cfg, o, T)  ((T *)((char *)(cfg) + (o)->off))
#define CFIELD(cfg, o, T) ((T const *)((const char *)(cfg) + (o)->off))
#define COUNT(cfg, o)	  ((size_t *)((char *)(cfg) + (o)->n_off))
#define CCOUNT(cfg, o)	  (*(const size_t *)((const char *)(cfg) + (o)->n_off))
#define S(x)		  ((x) ? (x) : "")

/* Writes the one-line message to err; returns -1 for the caller to return. */
__attribute__((format(printf, 3, 4))) static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int set_str(char **dst, const char *val)
{
	char *c = strdup(val);

	if (!c)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

/* ---- string checks ------------------------------------------------------ */

static int check_list(const struct opt *o, const char *val, char *err, size_t errlen)
{
	return val[0] ? 0 : bad(err, errlen, "--%s: empty list", o->pub.name);
}

static int check_path(const struct opt *o, const char *val, char *err, size_t errlen)
{
	return val[0] ? 0 : bad(err, errlen, "--%s: empty path", o->pub.name);
}

/* A name that lands in every record: 1 to 253 printable characters. */
static int check_name(const struct opt *o, const char *val, char *err, size_t errlen)
{
	size_t n = strlen(val);

	if (n == 0 || n > 253)
		return bad(err, errlen, "--%s: must be 1 to 253 characters", o->pub.name);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f)
			return bad(err, errlen,
				   "--%s: control characters "
				   "are not allowed",
				   o->pub.name);
	return 0;
}

/* Kafka's legal topic characters, 1 to 249 of them. */
static int check_topic(const struct opt *o, const char *val, char *err, size_t errlen)
{
	size_t n = strlen(val);

	if (n == 0 || n > 249 ||
	    strspn(val, "abcdefghijklmnopqrstuvwxyz"
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return bad(err, errlen,
			   "'%s' is not a Kafka topic name "
			   "([a-zA-Z0-9._-], 1 to 249)",
			   val);
	return 0;
}

static int check_https(const struct opt *o, const char *val, char *err, size_t errlen)
{
	if (strncmp(val, "https://", 8) || !val[8])
		return bad(err, errlen,
			   "--%s: '%s' is not an https:// URL "
			   "(TLS is always on)",
			   o->pub.name, val);
	return 0;
}

/* ---- parsers, one a kind ------------------------------------------------ */

static int parse_str(struct nt_config *cfg, const struct opt *o, const char *val, char *err,
		     size_t errlen)
{
	if (o->check && o->check(o, val, err, errlen))
		return -1;
	return set_str(FIELD(cfg, o, char *), val);
}

static int parse_u32(struct nt_config *cfg, const struct opt *o, const char *val, char *err,
		     size_t errlen)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (isdigit((unsigned char)val[0])) {
		v = strtoull(val, &end, 10);
		if (!errno && !*end && v >= o->min && v <= o->max) {
			*FIELD(cfg, o, uint32_t) = (uint32_t)v;
			return 0;
		}
	}
	return bad(err, errlen,
		   "--%s: '%s' is not a whole number from %llu "
		   "to %llu",
		   o->pub.name, val, (unsigned long long)o->min, (unsigned long long)o->max);
}

/* "512M", "1G", "4096": bytes. */
static int parse_size(struct nt_config *cfg, const struct opt *o, const char *val, char *err,
		      size_t errlen)
{
	static const char units[] = "KMGT";
	unsigned long long v = 0;
	const char *u;
	char *end = NULL;

	errno = 0;
	if (isdigit((unsigned char)val[0]))
		v = strtoull(val, &end, 10);
	if (end && !errno && *end && (u = strchr(units, toupper((unsigned char)*end)))) {
		v <<= 10 * (u - units + 1);
		end++;
	}
	if (end && !errno && !*end && v >= o->min && v <= o->max) {
		*FIELD(cfg, o, uint64_t) = v;
		return 0;
	}
	return bad(err, errlen,
		   "--%s: '%s' is not a size from 1M to 1P "
		   "(bytes, K/M/G/T suffixes)",
		   o->pub.name, val);
}

/* One of the row's words; its index goes to the field. */
static int parse_choice(struct nt_config *cfg, const struct opt *o, const char *val, char *err,
			size_t errlen)
{
	const char *const *w = o->words;
	char list[128] = "";

	for (int i = 0; w[i]; i++) {
		if (!strcmp(val, w[i])) {
			*FIELD(cfg, o, int) = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? (w[i + 1] ? ", " : " or ") : "", w[i]);
	}
	return bad(err, errlen, "--%s: '%s' is not %s", o->pub.name, val, list);
}

/* Comma-separated CIDRs appended to a list (flags repeat, env is a list). */
static int parse_cidrs(struct nt_config *cfg, const struct opt *o, const char *val, char *err,
		       size_t errlen)
{
	struct nt_cidr *list = FIELD(cfg, o, struct nt_cidr);
	size_t *n = COUNT(cfg, o);
	char buf[1024], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (*n == o->max)
			return bad(err, errlen, "--%s: at most %d prefixes", o->pub.name,
				   (int)o->max);
		if (nt_cidr_parse(tok, NT_CIDR_HOST_ZERO, &list[*n]))
			return bad(err, errlen,
				   "--%s: '%s' is not a CIDR "
				   "(10.0.0.0/8, fd00::/8; host bits zero)",
				   o->pub.name, tok);
		(*n)++;
	}
	return *n ? 0 : bad(err, errlen, "--%s: empty list", o->pub.name);
}

/* "53,5353": ports 1 to 65535, as many as the field holds. */
static int parse_ports(struct nt_config *cfg, const struct opt *o, const char *val, char *err,
		       size_t errlen)
{
	uint16_t ports[64] = { 0 };
	const char *p = val;
	size_t n = 0;

	while (*p) {
		char *end;
		unsigned long v;

		errno = 0;
		v = isdigit((unsigned char)*p) ? strtoul(p, &end, 10) : 0;
		if (!v || v > 65535 || errno || (*end && *end != ',') || n == o->max || n == 64)
			return bad(err, errlen,
				   "--%s: '%s' is not a list of up "
				   "to %d ports (1-65535)",
				   o->pub.name, val, (int)o->max);
		ports[n++] = (uint16_t)v;
		p = *end ? end + 1 : end;
	}
	if (!n)
		return bad(err, errlen, "--%s: empty list", o->pub.name);
	memcpy(FIELD(cfg, o, uint16_t), ports, o->max * sizeof(ports[0]));
	return 0;
}

/* key=value appended to a list (--kafka-prop, repeatable). */
static int parse_props(struct nt_config *cfg, const struct opt *o, const char *val, char *err,
		       size_t errlen)
{
	char **list = FIELD(cfg, o, char *);
	size_t *n = COUNT(cfg, o);

	if (*n == o->max || !strchr(val, '='))
		return bad(err, errlen,
			   "--%s: '%s' is not key=value (at most "
			   "%d)",
			   o->pub.name, val, (int)o->max);
	list[*n] = strdup(val);
	if (!list[*n])
		return -1;
	(*n)++;
	return 0;
}

static int parse_flag(struct nt_config *cfg, const struct opt *o, const char *val, char *err,
		      size_t errlen)
{
	*FIELD(cfg, o, int) = 1;
	return 0;
}

static int parse_output(struct nt_config *cfg, const struct opt *o, const char *val, char *err,
			size_t errlen)
{
	if (!strcmp(val, "stdout")) {
		cfg->output = NT_OUT_STDOUT;
		return 0;
	}
	if (!strcmp(val, "kafka")) {
		cfg->output = NT_OUT_KAFKA;
		return 0;
	}
	if (!strncmp(val, "file:", 5) && val[5]) {
		cfg->output = NT_OUT_FILE;
		return set_str(&cfg->output_path, val + 5);
	}
	return bad(err, errlen,
		   "--%s: '%s' is not a sink (stdout, file:PATH "
		   "or kafka)",
		   o->pub.name, val);
}

/* --ocsf-version: one of the row's words, stored as its index + 1 so that
 * a version given without OCSF output can be told from the default. */
static int parse_ocsf_version(struct nt_config *cfg, const struct opt *o, const char *val,
			      char *err, size_t errlen)
{
	if (parse_choice(cfg, o, val, err, errlen))
		return -1;
	(*FIELD(cfg, o, int))++;
	return 0;
}

/* --fault's keys: a field of struct nt_faults, its size, its largest value */
static const struct fault_key {
	const char *name;
	size_t off, size;
	uint64_t max;
} fault_keys[] = {
#define FAULT_KEY(name, f, max)                                                              \
	{                                                                                    \
		name, offsetof(struct nt_faults, f), sizeof(((struct nt_faults *)0)->f), max \
	}
	FAULT_KEY("kafka-fatal-at", kafka_fatal_at, UINT64_MAX),
	FAULT_KEY("kafka-reset-fail", kafka_reset_fail, 1000000),
	FAULT_KEY("kafka-keep-fail", kafka_keep_fail, 1000000),
#undef FAULT_KEY
};

#define N_FAULT_KEYS (sizeof(fault_keys) / sizeof(fault_keys[0]))

static uint64_t fault_get(const struct nt_faults *ft, const struct fault_key *k)
{
	const char *p = (const char *)ft + k->off;

	return k->size == 8 ? *(const uint64_t *)p : *(const uint32_t *)p;
}

static const struct fault_key *fault_key(const char *name)
{
	for (size_t i = 0; i < N_FAULT_KEYS; i++)
		if (!strcmp(name, fault_keys[i].name))
			return &fault_keys[i];
	return NULL;
}

/* "kafka-fatal-at=150,kafka-reset-fail=2,kafka-keep-fail=3" */
static int parse_fault(struct nt_config *cfg, const struct opt *o, const char *val, char *err,
		       size_t errlen)
{
	char *ft = (char *)FIELD(cfg, o, struct nt_faults);
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct fault_key *k;
		unsigned long long v;
		char *eq = strchr(tok, '='), *end;

		errno = 0;
		v = eq && isdigit((unsigned char)eq[1]) ? strtoull(eq + 1, &end, 10) : 0;
		if (!v || errno || *end)
			goto invalid;
		*eq = 0;
		k = fault_key(tok);
		if (!k || v > k->max)
			goto invalid;
		if (k->size == 8)
			*(uint64_t *)(ft + k->off) = v;
		else
			*(uint32_t *)(ft + k->off) = (uint32_t)v;
	}
	return 0;
invalid:
	return bad(err, errlen,
		   "--%s: '%s' is not a list of kafka-fatal-at=N, "
		   "kafka-reset-fail=N, kafka-keep-fail=N",
		   o->pub.name, val);
}

/* ---- printers (--check-config): name=value ------------------------------ */

static void print_str(FILE *f, const struct nt_config *c, const struct opt *o)
{
	fprintf(f, "%s=%s\n", o->pub.name, S(*CFIELD(c, o, char *)));
}

/* "*" (every interface) in a live capture, nothing for --pcap */
static void print_iface(FILE *f, const struct nt_config *c, const struct opt *o)
{
	const char *v = *CFIELD(c, o, char *);

	fprintf(f, "%s=%s\n", o->pub.name, v ? v : (c->pcap ? "" : "*"));
}

static void print_u32(FILE *f, const struct nt_config *c, const struct opt *o)
{
	fprintf(f, "%s=%u\n", o->pub.name, *CFIELD(c, o, uint32_t));
}

static void print_size(FILE *f, const struct nt_config *c, const struct opt *o)
{
	fprintf(f, "%s=%llu\n", o->pub.name, (unsigned long long)*CFIELD(c, o, uint64_t));
}

static void print_choice(FILE *f, const struct nt_config *c, const struct opt *o)
{
	int v = *CFIELD(c, o, int), i = 0;

	while (o->words[i] && i < v)
		i++;
	fprintf(f, "%s=%s\n", o->pub.name, v >= 0 ? S(o->words[i]) : "");
}

static void print_cidrs(FILE *f, const struct nt_config *cfg, const struct opt *o)
{
	const struct nt_cidr *c = CFIELD(cfg, o, struct nt_cidr);
	size_t n = CCOUNT(cfg, o);

	fprintf(f, "%s=", o->pub.name);
	for (size_t i = 0; i < n; i++) {
		char a[NT_CIDR_STRLEN];

		nt_cidr_fmt(&c[i], a, sizeof(a));
		fprintf(f, "%s%s", i ? "," : "", a);
	}
	fputc('\n', f);
}

static void print_ports(FILE *f, const struct nt_config *c, const struct opt *o)
{
	const uint16_t *p = CFIELD(c, o, uint16_t);

	fprintf(f, "%s=", o->pub.name);
	for (size_t i = 0; i < o->max && p[i]; i++)
		fprintf(f, "%s%u", i ? "," : "", p[i]);
	fputc('\n', f);
}

/* A property whose value must not reach a terminal or a log. */
static int secret_key(const char *kv)
{
	static const char *const words[] = { "password", "secret", "token", "key.pem",
					     "sasl.oauthbearer.config" };
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (memmem(kv, klen, words[i], strlen(words[i])))
			return 1;
	return 0;
}

/* one line a property, secrets redacted */
static void print_props(FILE *f, const struct nt_config *c, const struct opt *o)
{
	char *const *list = CFIELD(c, o, char *);
	size_t n = CCOUNT(c, o);

	for (size_t i = 0; i < n; i++) {
		if (secret_key(list[i]))
			fprintf(f, "%s=%.*s=<redacted>\n", o->pub.name, (int)strcspn(list[i], "="),
				list[i]);
		else
			fprintf(f, "%s=%s\n", o->pub.name, list[i]);
	}
}

static void print_output(FILE *f, const struct nt_config *c, const struct opt *o)
{
	static const char *const sinks[] = { "stdout", "file", "kafka" };
	int file = c->output == NT_OUT_FILE;

	fprintf(f, "%s=%s%s%s\n", o->pub.name, sinks[c->output % 3], file ? ":" : "",
		file ? S(c->output_path) : "");
}

/* the version the OCSF encoder writes (the first word when none was given) */
static void print_ocsf_version(FILE *f, const struct nt_config *c, const struct opt *o)
{
	int v = *CFIELD(c, o, int);

	fprintf(f, "%s=%s\n", o->pub.name, o->words[v ? v - 1 : 0]);
}

/* every key, once any fault is set */
static void print_fault(FILE *f, const struct nt_config *c, const struct opt *o)
{
	const struct nt_faults *ft = CFIELD(c, o, struct nt_faults);
	uint64_t any = 0;

	for (size_t i = 0; i < N_FAULT_KEYS; i++)
		any |= fault_get(ft, &fault_keys[i]);
	if (!any)
		return;
	fprintf(f, "%s=", o->pub.name);
	for (size_t i = 0; i < N_FAULT_KEYS; i++)
		fprintf(f, "%s%s=%llu", i ? "," : "", fault_keys[i].name,
			(unsigned long long)fault_get(ft, &fault_keys[i]));
	fputc('\n', f);
}

/* ---- release ------------------------------------------------------------ */

static void release_str(struct nt_config *cfg, const struct opt *o)
{
	free(*FIELD(cfg, o, char *));
}

static void release_props(struct nt_config *cfg, const struct opt *o)
{
	char **list = FIELD(cfg, o, char *);

	for (size_t i = 0; i < *COUNT(cfg, o); i++)
		free(list[i]);
}

static void release_output(struct nt_config *cfg, const struct opt *o)
{
	free(cfg->output_path);
}

static const struct opt_kind str_kind = {
	.parse = parse_str, .print = print_str, .release = release_str, .late_default = 1
};
static const struct opt_kind iface_kind = {
	.parse = parse_str, .print = print_iface, .release = release_str, .late_default = 1
};
static const struct opt_kind u32_kind = { .parse = parse_u32, .print = print_u32 };
static const struct opt_kind size_kind = { .parse = parse_size, .print = print_size };
static const struct opt_kind choice_kind = { .parse = parse_choice, .print = print_choice };
static const struct opt_kind cidrs_kind = { .parse = parse_cidrs, .print = print_cidrs };
static const struct opt_kind ports_kind = { .parse = parse_ports, .print = print_ports };
static const struct opt_kind props_kind = { .parse = parse_props,
					    .print = print_props,
					    .release = release_props };
static const struct opt_kind flag_kind = { .parse = parse_flag };
static const struct opt_kind output_kind = { .parse = parse_output,
					     .print = print_output,
					     .release = release_output };
static const struct opt_kind fault_kind = { .parse = parse_fault, .print = print_fault };
static const struct opt_kind ocsf_version_kind = { .parse = parse_ocsf_version,
						   .print = print_ocsf_version };

/* ---- the table ---------------------------------------------------------- */

#define MEMBER(f)   (((struct nt_config *)0)->f)
/* offsetof(struct nt_config, f); it does not compile unless f is a T */
#define AT(f, T)    (offsetof(struct nt_config, f) + _Generic(MEMBER(f), T : 0))
#define CAPACITY(f) (sizeof(MEMBER(f)) / sizeof(MEMBER(f)[0]))
/* an int or an enum (the same size on every ABI nettrail builds for) */
#define AT_INT(f)                        \
	(offsetof(struct nt_config, f) + \
	 0 * sizeof(char[sizeof(MEMBER(f)) == sizeof(int) ? 1 : -1]))

#define ROW(_kind, _name, _short, _meta, _def, _help, ...) \
	{                                                  \
		.pub = { .name = _name,                    \
			 .short_name = _short,             \
			 .metavar = _meta,                 \
			 .def = _def,                      \
			 .help = _help },                  \
		.kind = &_kind, __VA_ARGS__                \
	}
/* a string, copied once check (or NULL) accepts it */
#define STR(name, s, f, chk, meta, def, help) \
	ROW(str_kind, name, s, meta, def, help, .off = AT(f, char *), .check = chk)
/* a whole number from lo to hi */
#define U32(name, f, lo, hi, meta, def, help) \
	ROW(u32_kind, name, 0, meta, def, help, .off = AT(f, uint32_t), .min = lo, .max = hi)
/* bytes with K/M/G/T suffixes, 1M to 1P */
#define SIZE(name, f, meta, def, help)                                                      \
	ROW(size_kind, name, 0, meta, def, help, .off = AT(f, uint64_t), .min = 1ULL << 20, \
	    .max = 1ULL << 50)
/* one of the words (an int or enum field: value i is the i-th word) */
#define CHOICE(name, f, meta, def, help, ...)                        \
	ROW(choice_kind, name, 0, meta, def, help, .off = AT_INT(f), \
	    .words = (const char *const[]){ __VA_ARGS__, NULL })
/* comma-separated CIDRs appended to f, its count in nf (repeatable) */
#define CIDRS(name, f, nf, meta, help)                                             \
	ROW(cidrs_kind, name, 0, meta, NULL, help, .off = AT(f, struct nt_cidr *), \
	    .n_off = AT(nf, size_t), .max = CAPACITY(f))
/* up to CAPACITY(f) comma-separated ports, 0 ends the list */
#define PORTS(name, f, meta, def, help) \
	ROW(ports_kind, name, 0, meta, def, help, .off = AT(f, uint16_t *), .max = CAPACITY(f))
/* key=value strings appended to f, their count in nf (repeatable) */
#define PROPS(name, f, nf, meta, help)                                                             \
	ROW(props_kind, name, 0, meta, NULL, help, .off = AT(f, char **), .n_off = AT(nf, size_t), \
	    .max = CAPACITY(f))
/* a command: takes no value, sets f to 1 (NETTRAIL_X=1 or true) */
#define FLAG(name, s, f, help) ROW(flag_kind, name, s, NULL, NULL, help, .off = AT(f, int))
/* a value with its own parse, print and release */
#define CUSTOM(kind, name, s, f, meta, def, help) \
	ROW(kind, name, s, meta, def, help, .off = offsetof(struct nt_config, f))

/* Print order is --check-config's (tests read it), --help follows it. */
static const struct opt opts[] = {
	ROW(iface_kind, "interface", 'i', "LIST", NULL,
	    "interfaces to attach to: comma-separated names or globs (veth*); "
	    "default: every interface that is up, except loopback. New "
	    "matching interfaces are attached as they appear.",
	    .off = AT(interfaces, char *), .check = check_list),
	STR("pcap", 'r', pcap, NULL, "FILE", NULL,
	    "offline: run the datapath over a pcap/pcapng capture"),
	CUSTOM(output_kind, "output", 'o', output, "SINK", "stdout", "stdout, file:PATH or kafka"),
	CHOICE("record-format", record_format, "F", "ecs",
	       "ecs, ocsf or ecs,ocsf: flow and DNS records in the Elastic Common "
	       "Schema, in OCSF (Network Activity 4001, DNS Activity 4003), or "
	       "both (each record once per format; heartbeats stay ECS)",
	       "ecs", "ocsf", "ecs,ocsf"), /* enum nt_record_format's order */
	ROW(ocsf_version_kind, "ocsf-version", 0, "V", NULL,
	    "OCSF schema version of the OCSF records: 1.1.0 (the default; Amazon "
	    "Security Lake's) or 1.8.0",
	    .off = AT_INT(ocsf_version), .words = (const char *const[]){ "1.1.0", "1.8.0", NULL }),
	U32("idle-timeout", idle_timeout, 1, 86400, "SEC", "15",
	    "report a flow after SEC idle seconds"),
	U32("active-timeout", active_timeout, 0, 86400, "SEC", "60",
	    "report live flows every SEC seconds; 0 disables periodic reports"),
	U32("heartbeat", heartbeat, 0, 86400, "SEC", "30",
	    "heartbeat record every SEC seconds; 0 disables"),
	U32("duration", duration, 1, 31536000, "SEC", NULL,
	    "run SEC seconds, report every flow, exit 0 (default: run until "
	    "a signal)"),
	U32("max-flows", max_flows, 16, 16777216, "N", "65536", "kernel flow table size"),
	U32("overflow-rate", overflow_rate, 0, 10000000, "N", "2000",
	    "table-full events per second per CPU"),
	U32("sample-packets", sample_pkts, 0, 32, "N", "4",
	    "first payload packets of each flow direction handed to userspace "
	    "for TLS and protocol detection, 0 to 32"),
	U32("tls-cert-max-bytes", tls_cert_max_bytes, 0, 262144, "N", "32768",
	    "after a TLS 1.2 ServerHello (or a client's Certificate), sample "
	    "that direction until its Certificate message is whole, at most N "
	    "bytes; 0 disables"),
	PORTS("dns-ports", dns_ports, "LIST", "53", "DNS ports, up to 4, comma-separated"),
	U32("dns-cache-entries", dns_cache_entries, 16, 10000000, "N", "100000",
	    "address-to-name cache size, about 150 bytes each"),
	STR("kafka-brokers", 0, kafka_brokers, NULL, "LIST", NULL,
	    "host:port,... (with --output kafka)"),
	STR("kafka-topic-prefix", 0, kafka_topic_prefix, NULL, "P", "nettrail.",
	    "topics P+flow, P+dns, P+heartbeat"),
	STR("kafka-topic-flow", 0, kafka_topic[0], check_topic, "T", NULL,
	    "override the flow records' topic"),
	STR("kafka-topic-dns", 0, kafka_topic[1], check_topic, "T", NULL,
	    "override the DNS records' topic"),
	STR("kafka-topic-heartbeat", 0, kafka_topic[2], check_topic, "T", NULL,
	    "override the heartbeats' topic"),
	STR("kafka-topic-ocsf-network", 0, kafka_topic[3], check_topic, "T", NULL,
	    "override the OCSF Network Activity records' topic (default "
	    "P+ocsf.network_activity)"),
	STR("kafka-topic-ocsf-dns", 0, kafka_topic[4], check_topic, "T", NULL,
	    "override the OCSF DNS Activity records' topic (default P+ocsf.dns_activity)"),
	STR("kafka-config", 0, kafka_config, NULL, "FILE", NULL,
	    "librdkafka properties, one K=V per line"),
	PROPS("kafka-prop", kafka_props, n_kafka_props, "K=V",
	      "any librdkafka property (repeatable): TLS, SASL, tuning"),
	U32("kafka-flush-timeout", kafka_flush_timeout, 0, 3600, "SEC", "10",
	    "at exit, wait SEC for acknowledgements, then spool what is left"),
	STR("spool-dir", 0, spool_dir, check_path, "DIR", NULL,
	    "on-disk spool for records the broker cannot take now (outage, "
	    "slow broker, full queue); replayed in order when it is back, also "
	    "after a restart"),
	SIZE("spool-max-bytes", spool_max_bytes, "N", "1G", "spool size cap, K/M/G suffixes"),
	CHOICE("spool-full-policy", spool_policy, "P", "drop-oldest",
	       "drop-oldest (the oldest segment goes) or drop-newest (new "
	       "records are refused); counted",
	       "drop-oldest", "drop-newest"),
	U32("spool-fsync-ms", spool_fsync_ms, 0, 3600000, "MS", "1000",
	    "fsync the spool at most every MS; 0: after every batch"),
	STR("metrics-addr", 0, metrics_addr, NULL, "ADDR", NULL,
	    "serve /metrics (Prometheus), /healthz, /readyz on HOST:PORT, "
	    "e.g. 127.0.0.1:9464 (default off)"),
	CHOICE("k8s", k8s, "MODE", "auto",
	       "Kubernetes metadata: auto (in-cluster when "
	       "KUBERNETES_SERVICE_HOST is set), on, off",
	       "auto", "on", "off"), /* enum nt_k8s_mode's order */
	STR("k8s-api", 0, k8s_api, check_https, "URL", NULL,
	    "API server (with --k8s-token-file, --k8s-ca)"),
	STR("k8s-token-file", 0, k8s_token_file, NULL, "F", NULL,
	    "bearer token, re-read when it rotates"),
	STR("k8s-ca", 0, k8s_ca, NULL, "F", NULL, "CA bundle for the API server's certificate"),
	STR("kubeconfig", 0, kubeconfig, NULL, "F", NULL,
	    "take server, CA and token from a kubeconfig"),
	U32("k8s-timeout", k8s_timeout, 1, 600, "SEC", "10", "timeout of each API call"),
	CIDRS("cluster-cidr", cluster_cidrs, n_cluster_cidrs, "CIDR",
	      "pod network (repeatable or comma-separated)"),
	CIDRS("service-cidr", service_cidrs, n_service_cidrs, "CIDR",
	      "service network (repeatable or comma-separated)"),
	STR("cgroup-root", 0, cgroup_root, NULL, "PATH", NULL,
	    "cgroup v2 mount (default: from /proc/mounts)"),
	CHOICE("process-attribution", process_attribution, "on|off", "on",
	       "cgroup hooks naming the local process and container of each "
	       "flow",
	       "off", "on"),
	STR("cloud-provider", 0, cloud_provider, check_name, "P", NULL,
	    "cloud.provider in every record"),
	STR("cloud-region", 0, cloud_region, check_name, "R", NULL, "cloud.region in every record"),
	STR("cloud-account", 0, cloud_account, check_name, "A", NULL,
	    "cloud.account.id in every record"),
	STR("cluster-name", 0, cluster_name, check_name, "NAME", NULL,
	    "orchestrator.cluster.name in every record"),
	STR("node-name", 0, node_name, check_name, "NAME", NULL,
	    "observer.hostname (default: the host name)"),
	CHOICE("log-level", log_level, "L", "warn",
	       "error, warn, info or debug; debug includes libbpf's output and "
	       "verifier logs",
	       "error", "warn", "info", "debug"), /* enum nt_log_level's */
	CHOICE("nat-link", nat_link, "conntrack|off", "conntrack",
	       "link a translated connection's halves (kube-proxy DNAT, SNAT, "
	       "masquerade) into one record through conntrack; off: every "
	       "half is a flow of its own",
	       "conntrack", "off"),
	CHOICE("attach", attach_mode, "auto|tcx|tc", "auto",
	       "how the TC programs attach: tcx links (kernel >= 6.6: first in the "
	       "chain, gone with the process), tc (clsact qdisc filters, handle "
	       "0x4e54 priority 1), or auto: tcx where the kernel has it, else tc",
	       "auto", "tcx", "tc"), /* enum nt_attach_mode's order */
	CHOICE("capture", capture, "on|off", "on",
	       "on-demand packet capture through the control socket "
	       "(nettrail capture, docs/capture.md); off refuses every request",
	       "off", "on"),
	STR("control-socket", 0, control_socket, check_path, "PATH", "/run/nettrail/control.sock",
	    "the control socket (AF_UNIX, mode 0600) that nettrail capture talks to; "
	    "its directory is created when missing"),
	CUSTOM(fault_kind, "fault", 0, fault, "SPEC", NULL,
	       "tests only: inject failures, comma-separated kafka-fatal-at=N "
	       "(a fatal producer error at the Nth record), kafka-reset-fail=N "
	       "(the first N producer re-creations fail), kafka-keep-fail=N "
	       "(the first N failed deliveries find no memory to be kept for "
	       "re-sending)"),
	FLAG("check-config", 0, check_config,
	     "validate everything, print the effective configuration and exit "
	     "(0 ok, 2 bad)"),
	FLAG("version", 0, show_version, "print the version and exit"),
	FLAG("list-metrics", 0, list_metrics,
	     "print every counter and gauge (kind, name, help: the heartbeat "
	     "and /metrics carry exactly these)"),
	FLAG("help", 'h', show_help, "this text"),
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

const struct nt_option *nt_config_option(size_t i)
{
	return i < N_OPTS ? &opts[i].pub : NULL;
}

/* ---- the table's uses --------------------------------------------------- */

void nt_config_defaults(struct nt_config *cfg)
{
	char err[256];

	memset(cfg, 0, sizeof(*cfg));
	for (const struct opt *o = opts; o < opts + N_OPTS; o++)
		if (o->pub.def && !o->kind->late_default)
			(void)o->kind->parse(cfg, o, o->pub.def, err, sizeof(err));
}

/* The string defaults nt_config_defaults leaves out (see late_default). */
static int late_defaults(struct nt_config *cfg)
{
	for (const struct opt *o = opts; o < opts + N_OPTS; o++)
		if (o->pub.def && o->kind->late_default && !*FIELD(cfg, o, char *) &&
		    set_str(FIELD(cfg, o, char *), o->pub.def))
			return -1;
	return 0;
}

void nt_config_free(struct nt_config *cfg)
{
	for (const struct opt *o = opts; o < opts + N_OPTS; o++)
		if (o->kind->release)
			o->kind->release(cfg, o);
	memset(cfg, 0, sizeof(*cfg));
}

void nt_config_print(const struct nt_config *cfg, void *stream)
{
	for (const struct opt *o = opts; o < opts + N_OPTS; o++)
		if (o->kind->print)
			o->kind->print(stream, cfg, o);
}

#define HELP_COL   27 /* where the help text starts */
#define HELP_WIDTH 79

/* text from column col on, wrapped at spaces, continued at HELP_COL */
static void put_wrapped(FILE *f, int col, const char *p)
{
	while (*p) {
		size_t room = (size_t)(HELP_WIDTH - col), n = strlen(p);

		if (n > room) {
			n = room;
			while (n && p[n] != ' ')
				n--;
			if (!n)
				n = strcspn(p, " ");
		}
		fprintf(f, "%.*s\n", (int)n, p);
		p += strspn(p + n, " ") + n;
		if (*p)
			fprintf(f, "%*s", HELP_COL, "");
		col = HELP_COL;
	}
}

static void usage_row(FILE *f, const struct opt *o)
{
	char text[1024];
	int col;

	if (o->pub.short_name)
		col = fprintf(f, "  -%c, --%s", o->pub.short_name, o->pub.name);
	else
		col = fprintf(f, "      --%s", o->pub.name);
	if (o->pub.metavar)
		col += fprintf(f, " %s", o->pub.metavar);
	col += fprintf(f, "%*s", col < HELP_COL ? HELP_COL - col : 2, "");
	snprintf(text, sizeof(text), "%s%s%s%s", o->pub.help, o->pub.def ? " (default " : "",
		 S(o->pub.def), o->pub.def ? ")" : "");
	put_wrapped(f, col, text);
}

void nt_config_usage(void *stream)
{
	FILE *f = stream;

	fputs("Usage: nettrail [OPTIONS]\n"
	      "Aggregates the node's traffic into bidirectional flow records "
	      "(JSON lines).\n\n",
	      f);
	for (const struct opt *o = opts; o < opts + N_OPTS; o++)
		usage_row(f, o);
	fputs("\n"
	      "Every option can also be set by an environment variable: "
	      "NETTRAIL_ and the\n"
	      "option name in capitals with '-' as '_' "
	      "(NETTRAIL_IDLE_TIMEOUT=30).\n"
	      "Flags override the environment. Exit codes: 0 ok, 1 runtime "
	      "error, 2 usage.\n",
	      f);
}

/* NETTRAIL_IDLE_TIMEOUT -> the idle-timeout row */
static const struct opt *env_option(const char *name, size_t n)
{
	for (const struct opt *o = opts; o < opts + N_OPTS; o++) {
		const char *on = o->pub.name;
		size_t i;

		if (strlen(on) != n)
			continue;
		for (i = 0; i < n; i++) {
			char c = on[i] == '-' ? '_' : (char)toupper((unsigned char)on[i]);
			if (c != name[i])
				break;
		}
		if (i == n)
			return o;
	}
	return NULL;
}

static int parse_env(struct nt_config *cfg, char **envp, char *err, size_t errlen)
{
	for (; envp && *envp; envp++) {
		const char *e = *envp, *eq;
		const struct opt *o;
		char tmp[512];

		if (strncmp(e, "NETTRAIL_", 9))
			continue;
		eq = strchr(e, '=');
		if (!eq)
			continue;
		o = env_option(e + 9, (size_t)(eq - e - 9));
		if (!o)
			return bad(err, errlen,
				   "%.*s: unknown NETTRAIL_ "
				   "variable",
				   (int)(eq - e), e);
		/* a command is on with 1 or true, anything else leaves it off */
		if (!o->pub.metavar && strcmp(eq + 1, "1") && strcmp(eq + 1, "true"))
			continue;
		if (o->kind->parse(cfg, o, eq + 1, err, errlen)) {
			/* name the variable, not the flag */
			snprintf(tmp, sizeof(tmp), "%s", err);
			return bad(err, errlen, "%.*s: %s", (int)(eq - e), e, tmp);
		}
	}
	return 0;
}

/* getopt_long's code for a row: its short name, or 256 + its index. */
static int opt_code(const struct opt *o)
{
	return o->pub.short_name ? o->pub.short_name : 256 + (int)(o - opts);
}

/* getopt_long's tables from opts[]: long options and ":i:r:o:h" */
static void getopt_tables(struct option *lo, char *shorts)
{
	*shorts++ = ':'; /* a missing value returns ':', not '?' */
	for (size_t i = 0; i < N_OPTS; i++) {
		const struct opt *o = &opts[i];

		lo[i] = (struct option){ o->pub.name,
					 o->pub.metavar ? required_argument : no_argument, NULL,
					 opt_code(o) };
		if (o->pub.short_name) {
			*shorts++ = o->pub.short_name;
			if (o->pub.metavar)
				*shorts++ = ':';
		}
	}
	lo[N_OPTS] = (struct option){ 0 };
	*shorts = 0;
}

static int parse_argv(struct nt_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	struct option lo[N_OPTS + 1];
	char shorts[2 * N_OPTS + 2];
	int code;

	getopt_tables(lo, shorts);
	optind = 1;
	opterr = 0;
	while ((code = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		const struct opt *o = opts;

		/* optopt: a short option's letter, a row's code for a value
		 * given to a command (--version=1), else 0 */
		if (code == '?' && optopt > 0 && optopt < 256 && isprint(optopt))
			return bad(err, errlen, "unknown option '-%c'", optopt);
		if (code == '?')
			return bad(err, errlen, "unknown option '%s'", argv[optind - 1]);
		if (code == ':')
			return bad(err, errlen, "option '%s' needs a value", argv[optind - 1]);
		while (opt_code(o) != code)
			o++;
		if (o->kind->parse(cfg, o, optarg ? optarg : "", err, errlen))
			return -1;
	}
	if (optind < argc)
		return bad(err, errlen, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* What involves more than one option. */
static int check_combinations(const struct nt_config *cfg, char *err, size_t errlen)
{
	if (cfg->pcap && cfg->interfaces)
		return bad(err, errlen,
			   "--pcap and --interface cannot be "
			   "used together");
	if (cfg->output == NT_OUT_KAFKA && !cfg->kafka_brokers)
		return bad(err, errlen, "--output kafka needs --kafka-brokers");
	if (cfg->spool_dir && cfg->output != NT_OUT_KAFKA)
		return bad(err, errlen, "--spool-dir applies to --output kafka");
	if (cfg->kubeconfig && (cfg->k8s_api || cfg->k8s_token_file || cfg->k8s_ca))
		return bad(err, errlen,
			   "--kubeconfig and --k8s-api/--k8s-"
			   "token-file/--k8s-ca cannot be used together");
	if (cfg->k8s_api && !cfg->k8s_ca)
		return bad(err, errlen,
			   "--k8s-api needs --k8s-ca (TLS "
			   "verification is always on)");
	if (cfg->k8s == NT_K8S_OFF && (cfg->k8s_api || cfg->kubeconfig))
		return bad(err, errlen,
			   "--k8s off contradicts --k8s-api/"
			   "--kubeconfig");
	if (cfg->ocsf_version != NT_OCSF_DEFAULT && !NT_FMT_HAS_OCSF(cfg->record_format))
		return bad(err, errlen,
			   "--ocsf-version applies to --record-format ocsf or "
			   "ecs,ocsf");
	if (cfg->pcap && cfg->duration)
		return bad(err, errlen,
			   "--duration applies to live capture, "
			   "not --pcap");
	return 0;
}

int nt_config_parse(struct nt_config *cfg, int argc, char **argv, char **envp, char *err,
		    size_t errlen)
{
	if (parse_env(cfg, envp, err, errlen) || parse_argv(cfg, argc, argv, err, errlen) ||
	    late_defaults(cfg) || check_combinations(cfg, err, errlen))
		return -1;
	return 0;
}

static int readable(const char *opt, const char *path, char *err, size_t errlen)
{
	if (path && access(path, R_OK))
		return bad(err, errlen, "--%s: cannot read %s: %s", opt, path, strerror(errno));
	return 0;
}

int nt_config_check_files(const struct nt_config *c, char *err, size_t errlen)
{
	if (readable("pcap", c->pcap, err, errlen) ||
	    readable("kafka-config", c->kafka_config, err, errlen) ||
	    readable("k8s-token-file", c->k8s_token_file, err, errlen) ||
	    readable("k8s-ca", c->k8s_ca, err, errlen) ||
	    readable("kubeconfig", c->kubeconfig, err, errlen) ||
	    readable("cgroup-root", c->cgroup_root, err, errlen))
		return -1;
	if (c->metrics_addr) {
		const char *colon = strrchr(c->metrics_addr, ':');
		unsigned long port;
		char *end;

		port = colon ? strtoul(colon + 1, &end, 10) : 0;
		if (!colon || colon == c->metrics_addr || !colon[1] || *end || !port ||
		    port > 65535)
			return bad(err, errlen,
				   "--metrics-addr: '%s' is not "
				   "HOST:PORT",
				   c->metrics_addr);
	}
	return 0;
}
