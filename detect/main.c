// SPDX-License-Identifier: BSD-2-Clause
/*
 * nettrail-detect - a reference detector over nettrail's records.
 *
 *   nettrail-detect --input file:PATH|file:- [-o stdout|file:PATH]
 *                   [--config FILE] [--memory-cap MB]
 *
 * Reads JSON lines, writes ECS alerts (one JSON object a line) and, at the
 * end, a nettrail.detect.heartbeat record with every counter; a summary
 * line goes to stderr. Exit status: 0, 1 on a read error, 2 on bad usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: nettrail-detect --input file:PATH|file:- [-o stdout|file:PATH]\n"
		   "                       [--config FILE] [--memory-cap MB]\n"
		   "Thresholds, windows and allow-lists: docs/detections.md.\n");
}

struct args {
	const char *input, *output, *config, *memcap;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "config", required_argument, NULL, 'c' },
		{ "memory-cap", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(a, 0, sizeof(*a));
	a->output = "stdout";
	while ((ch = getopt_long(argc, argv, "i:o:c:m:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			a->input = optarg;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'c':
			a->config = optarg;
			break;
		case 'm':
			a->memcap = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (!a->input || optind != argc)
		return -1;
	return 0;
}

static int load_config(const struct args *a, struct dt_config *cfg)
{
	char err[512];

	dt_config_defaults(cfg);
	if (a->config && dt_config_load(cfg, a->config, err, sizeof(err)))
		goto bad;
	if (a->memcap && dt_config_set(cfg, "memory_cap_mb", a->memcap, err, sizeof(err)))
		goto bad;
	if (dt_config_check(cfg, err, sizeof(err)))
		goto bad;
	return 0;
bad:
	fprintf(stderr, "nettrail-detect: %s\n", err);
	dt_config_free(cfg);
	return -1;
}

int main(int argc, char **argv)
{
	struct args a;
	struct dt_config cfg;
	struct dt_output out;
	struct dt_detector d;
	struct dt_input *in;
	char err[512];
	int rc;

	if (parse_args(argc, argv, &a)) {
		usage(stderr);
		return 2;
	}
	if (load_config(&a, &cfg))
		return 2;
	in = dt_input_open(a.input, err, sizeof(err));
	if (!in || dt_output_open(&out, a.output, err, sizeof(err))) {
		fprintf(stderr, "nettrail-detect: %s\n", err);
		if (in)
			in->close(in);
		dt_config_free(&cfg);
		return 2;
	}
	dt_detector_init(&d, &cfg, &out);
	rc = dt_detector_run(&d, in);
	if (rc)
		fprintf(stderr, "nettrail-detect: read error on %s\n", a.input);
	dt_detector_finish(&d);
	if (d.last_error[0])
		fprintf(stderr, "nettrail-detect: last malformed line: %s\n", d.last_error);
	dt_detector_summary(&d, stderr);
	in->close(in);
	dt_output_close(&out);
	dt_detector_free(&d);
	return rc ? 1 : 0;
}
