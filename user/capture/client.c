// SPDX-License-Identifier: BSD-2-Clause
/*
 * client.c - `nettrail capture`: sends one request on the control socket,
 * writes the pcapng frames it gets to -w FILE (or stdout with -w -), and
 * ends with the sensor's summary (exit 0 when a limit ended the capture)
 * or its one-line error (exit 1). Usage errors exit 2.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "capture.h"

#define DEFAULT_SOCKET "/run/nettrail/control.sock"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nettrail capture [--control-socket PATH] SELECTOR... [--filter EXPR]\n"
		"                        [--duration SEC] [--packets N] [--bytes N] [--snaplen N]\n"
		"                        -w FILE|-\n"
		"selectors (combinable): --pod NS/NAME, --selector NS:KEY=VAL[,KEY=VAL],\n"
		"  --ip ADDR[/PREFIX], --flow COMMUNITY_ID, --interface NAME\n"
		"defaults: --duration 60 (at most 3600), --bytes 100000000, --snaplen 262144\n"
		"the socket: --control-socket, NETTRAIL_CONTROL_SOCKET, or %s\n",
		DEFAULT_SOCKET);
}

/* All of len bytes written (wr) or read; -1 on an error or an early end. */
static int io_all(int fd, void *buf, size_t len, int wr)
{
	char *p = buf;

	while (len) {
		ssize_t n = wr ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

#define write_all(fd, buf, len) io_all(fd, (void *)(buf), len, 1)
#define read_all(fd, buf, len)	io_all(fd, buf, len, 0)

/* Parses the flags into r; returns 0, 2 (usage) after saying why. */
static int parse_args(int argc, char **argv, struct nt_capreq *r, const char **sock,
		      const char **out)
{
	static const struct option lo[] = {
		{ "control-socket", 1, 0, 'c' },
		{ "pod", 1, 0, 'p' },
		{ "selector", 1, 0, 's' },
		{ "ip", 1, 0, 'a' },
		{ "flow", 1, 0, 'f' },
		{ "interface", 1, 0, 'i' },
		{ "filter", 1, 0, 'F' },
		{ "duration", 1, 0, 'd' },
		{ "packets", 1, 0, 'n' },
		{ "bytes", 1, 0, 'b' },
		{ "snaplen", 1, 0, 'S' },
		{ "help", 0, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	char err[512];
	int o;

	while ((o = getopt_long(argc, argv, "w:i:hc:", lo, NULL)) != -1) {
		const char *key = NULL;

		switch (o) {
		case 'c':
			*sock = optarg;
			continue;
		case 'w':
			*out = optarg;
			continue;
		case 'h':
			usage(stdout);
			exit(0);
		case 'p':
			key = "pod";
			break;
		case 's':
			key = "selector";
			break;
		case 'a':
			key = "ip";
			break;
		case 'f':
			key = "flow";
			break;
		case 'i':
			key = "interface";
			break;
		case 'F':
			key = "filter";
			break;
		case 'd':
			key = "duration";
			break;
		case 'n':
			key = "packets";
			break;
		case 'b':
			key = "bytes";
			break;
		case 'S':
			key = "snaplen";
			break;
		default:
			usage(stderr);
			return 2;
		}
		if (nt_capreq_set(r, key, optarg, err, sizeof(err))) {
			fprintf(stderr, "nettrail capture: %s\n", err);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nettrail capture: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!*out) {
		fprintf(stderr, "nettrail capture: -w FILE (or -w - for stdout) is required\n");
		return 2;
	}
	if (!r->n_pods && !r->n_sels && !r->n_ips && !r->n_flows && !r->n_ifaces) {
		fprintf(stderr, "nettrail capture: no selector: give --pod, --selector, --ip, "
				"--flow or --interface\n");
		return 2;
	}
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "nettrail capture: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "nettrail capture: cannot connect to %s: %s%s\n", path,
			strerror(errno),
			errno == EACCES ? " (the control socket is root's only)" :
			errno == ENOENT || errno == ECONNREFUSED ? " (is the sensor running?)" :
								   "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The output, opened on the first data: a refused request leaves no file. */
static int out_fd(const char *out, int *ofd)
{
	if (*ofd >= 0)
		return *ofd;
	*ofd = strcmp(out, "-") ? open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : 1;
	if (*ofd < 0)
		fprintf(stderr, "nettrail capture: %s: %s\n", out, strerror(errno));
	return *ofd;
}

/* Reads frames until the summary or the error; the exit status. */
static int relay(int fd, const char *out, int *ofd)
{
	static char buf[1 << 16];

	for (;;) {
		uint8_t h[5];
		uint32_t len;

		if (read_all(fd, h, 5)) {
			fprintf(stderr, "nettrail capture: the sensor closed the connection\n");
			return 1;
		}
		len = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
		if (h[0] != 'D' && len >= sizeof(buf))
			return 1;
		while (h[0] == 'D' && len) {
			uint32_t n = len < sizeof(buf) ? len : sizeof(buf);

			if (read_all(fd, buf, n) || out_fd(out, ofd) < 0)
				return 1;
			if (write_all(*ofd, buf, n)) {
				fprintf(stderr, "nettrail capture: writing the file: %s\n",
					strerror(errno));
				return 1;
			}
			len -= n;
		}
		if (h[0] == 'D')
			continue;
		if (read_all(fd, buf, len))
			return 1;
		buf[len] = 0;
		if (h[0] == 'E') {
			fprintf(stderr, "nettrail capture: %s\n", buf);
			return 1;
		}
		if (h[0] == 'S') {
			unsigned long long p = 0, b = 0, d = 0;
			char reason[64] = "";

			sscanf(buf, "packets=%llu bytes=%llu dropped=%llu reason=%63s", &p, &b, &d,
			       reason);
			fprintf(stderr,
				"nettrail capture: %llu packets, %llu bytes, %llu dropped (%s)\n",
				p, b, d, reason);
			return strcmp(reason, "duration") && strcmp(reason, "packets") &&
					       strcmp(reason, "bytes") ?
				       1 :
				       0;
		}
		fprintf(stderr, "nettrail capture: unexpected frame from the sensor\n");
		return 1;
	}
}

int nt_capture_client_main(int argc, char **argv)
{
	static char req[NT_CAPREQ_MAX];
	struct nt_capreq r;
	const char *sock = getenv("NETTRAIL_CONTROL_SOCKET"), *out = NULL;
	size_t n;
	int fd, ofd = -1, rc;

	nt_capreq_init(&r);
	if (!sock || !*sock)
		sock = DEFAULT_SOCKET;
	rc = parse_args(argc, argv, &r, &sock, &out);
	if (rc)
		return rc;
	n = nt_capreq_format(&r, req, sizeof(req));
	if (!n) {
		fprintf(stderr, "nettrail capture: request too long\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	fd = connect_to(sock);
	if (fd < 0)
		return 1;
	if (write_all(fd, req, n)) {
		fprintf(stderr, "nettrail capture: sending the request: %s\n", strerror(errno));
		return 1;
	}
	rc = relay(fd, out, &ofd);
	close(fd);
	if (ofd > 1 && close(ofd)) {
		fprintf(stderr, "nettrail capture: %s: %s\n", out, strerror(errno));
		rc = 1;
	}
	return rc;
}
