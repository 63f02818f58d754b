// SPDX-License-Identifier: BSD-2-Clause
/*
 * ab_datapath - the per-packet cost of an established flow's packet in two
 * builds of bpf/flow.bpf.c, measured in turns in one process, for a
 * before/after figure on a machine other work shares.
 *
 *   ab_datapath BASE.bpf.o NEW.bpf.o [ROUNDS [FLOWS]]
 *
 * For ROUNDS rounds (default 40): loads both objects afresh (live mode:
 * .rodata as built), inserts FLOWS TCP flows (default 1) through each
 * tc_ingress, runs the same packet (of the middle flow) 1,000,000 times
 * through A, then through B (B first in odd rounds), then through A's
 * empty program tc_empty
 * (best of three BPF_PROG_TEST_RUN trials each), and unloads them. A load
 * of its own per round: where the JIT image and the map's memory land moves
 * one load's figure by up to +-10 ns on this VM (the same object against
 * itself, loaded once: -4..+1 ns), so a single load compares placements
 * more than code. Prints one JSON line: the
 * mean and the minimum ns per packet of each, their differences (B - A),
 * and the ratio of the added costs (B - empty) / (A - empty), of the means
 * and of the minima. Run it a second time with the objects swapped: the
 * order costs a little too.
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

static struct bpf_object *load(const char *path)
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
	return o;
}

static int prog_fd(struct bpf_object *o, const char *name)
{
	return bpf_program__fd(bpf_object__find_program_by_name(o, name));
}

/* The frame of flow i: source 10.x.y.z (i + 1 in the low 3 bytes). */
static void set_flow(unsigned i)
{
	i++;
	frame[27] = (unsigned char)(i >> 16);
	frame[28] = (unsigned char)(i >> 8);
	frame[29] = (unsigned char)i;
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
	double sum[3] = { 0, 0, 0 }, min[3] = { 1e18, 1e18, 1e18 };
	int fd[3], rounds = argc > 3 ? atoi(argv[3]) : 40;
	unsigned flows = argc > 4 ? (unsigned)atoi(argv[4]) : 1;
	struct bpf_object *o[2];

	if (argc < 3 || rounds < 1 || flows < 1 || flows > 60000) {
		fprintf(stderr, "usage: ab_datapath BASE.bpf.o NEW.bpf.o [ROUNDS [FLOWS]]\n");
		return 2;
	}
	libbpf_set_print(NULL);
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < 2; i++) {
			o[i] = load(argv[1 + i]);
			fd[i] = prog_fd(o[i], "tc_ingress");
			for (unsigned f = 0; f < flows; f++) {
				set_flow(f);
				run(fd[i], 1); /* the flows' entries */
			}
		}
		fd[2] = prog_fd(o[0], "tc_empty");
		set_flow(flows / 2);
		for (int j = 0; j < 3; j++) {
			int i = r & 1 && j < 2 ? 1 - j : j; /* A first, then B first */
			double x = run(fd[i], 1000000);

			sum[i] += x;
			if (x < min[i])
				min[i] = x;
		}
		bpf_object__close(o[0]);
		bpf_object__close(o[1]);
	}
	printf("{\"case\":\"ab-established\",\"a\":\"%s\",\"b\":\"%s\",\"rounds\":%d,"
	       "\"flows\":%u,\"a_mean_ns\":%.1f,\"b_mean_ns\":%.1f,\"a_min_ns\":%.1f,"
	       "\"b_min_ns\":%.1f,\"empty_mean_ns\":%.1f,\"empty_min_ns\":%.1f,"
	       "\"b_minus_a_mean_ns\":%.1f,\"b_minus_a_min_ns\":%.1f,"
	       "\"added_ratio_mean\":%.3f,\"added_ratio_min\":%.3f}\n",
	       argv[1], argv[2], rounds, flows, sum[0] / rounds, sum[1] / rounds, min[0], min[1],
	       sum[2] / rounds, min[2], (sum[1] - sum[0]) / rounds, min[1] - min[0],
	       (sum[1] - sum[2]) / (sum[0] - sum[2]), (min[1] - min[2]) / (min[0] - min[2]));
	return 0;
}
