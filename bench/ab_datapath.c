// SPDX-License-Identifier: BSD-2-Clause
/*
 * ab_datapath - the per-packet cost of an established flow's packet in two
 * builds of bpf/flow.bpf.c, measured in turns in one process, for a
 * before/after figure on a machine other work shares.
 *
 *   ab_datapath BASE.bpf.o NEW.bpf.o [ROUNDS]
 *
 * Loads both objects (live mode: .rodata as built), inserts one TCP flow
 * through each tc_ingress, then for ROUNDS rounds (default 40) runs the
 * same packet 1,000,000 times through A, then through B (best of three
 * BPF_PROG_TEST_RUN trials each). Prints one JSON line: the mean and the
 * minimum ns per packet of each and their differences (B - A). Run it a
 * second time with the objects swapped: the order costs a little too.
 *
 * bench/run.sh runs it when AB_BASE names the base object (e.g. main's
 * build/flow.bpf.o).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned char frame[74] = {
	/* Ethernet */
	0x02,
	0,
	0,
	0,
	0,
	2,
	0x02,
	0,
	0,
	0,
	0,
	1,
	0x08,
	0x00,
	/* IPv4 10.0.0.1 -> 10.0.0.2, TCP */
	0x45,
	0,
	0,
	60,
	0,
	1,
	0x40,
	0,
	64,
	6,
	0,
	0,
	10,
	0,
	0,
	1,
	10,
	0,
	0,
	2,
	/* TCP 40000 -> 443, ACK, then 20 bytes of payload */
	0x9c,
	0x40,
	0x01,
	0xbb,
	0,
	0,
	0,
	1,
	0,
	0,
	0,
	1,
	0x50,
	0x10,
	0xff,
	0xff,
	0,
	0,
	0,
	0,
};

static int load(const char *path)
{
	struct bpf_object *o = bpf_object__open_file(path, NULL);
	struct bpf_program *p;

	if (!o || bpf_object__load(o)) {
		fprintf(stderr, "ab_datapath: cannot load %s (root?)\n", path);
		exit(1);
	}
	p = bpf_object__find_program_by_name(o, "tc_ingress");
	if (!p) {
		fprintf(stderr, "ab_datapath: %s has no tc_ingress\n", path);
		exit(1);
	}
	return bpf_program__fd(p);
}

/* Best of three trials of `repeat` runs: ns per run. */
static double run(int fd, unsigned repeat)
{
	double best = 1e18;

	for (int t = 0; t < 3; t++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
			    .repeat = repeat);

		if (bpf_prog_test_run_opts(fd, &o)) {
			perror("ab_datapath: test_run");
			exit(1);
		}
		if (o.duration < best)
			best = o.duration;
	}
	return best;
}

int main(int argc, char **argv)
{
	double sum[2] = { 0, 0 }, min[2] = { 1e18, 1e18 };
	int fd[2], rounds = argc > 3 ? atoi(argv[3]) : 40;

	if (argc < 3 || rounds < 1) {
		fprintf(stderr, "usage: ab_datapath BASE.bpf.o NEW.bpf.o [ROUNDS]\n");
		return 2;
	}
	libbpf_set_print(NULL);
	for (int i = 0; i < 2; i++) {
		fd[i] = load(argv[1 + i]);
		run(fd[i], 1); /* the flow's entry */
	}
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < 2; i++) {
			double x = run(fd[i], 1000000);

			sum[i] += x;
			if (x < min[i])
				min[i] = x;
		}
	printf("{\"case\":\"ab-established\",\"a\":\"%s\",\"b\":\"%s\",\"rounds\":%d,"
	       "\"a_mean_ns\":%.1f,\"b_mean_ns\":%.1f,\"a_min_ns\":%.1f,\"b_min_ns\":%.1f,"
	       "\"b_minus_a_mean_ns\":%.1f,\"b_minus_a_min_ns\":%.1f}\n",
	       argv[1], argv[2], rounds, sum[0] / rounds, sum[1] / rounds, min[0], min[1],
	       (sum[1] - sum[0]) / rounds, min[1] - min[0]);
	return 0;
}
