/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capture.h - on-demand capture sessions in the sensor (docs/capture.md):
 * the control socket, the requests it takes, the kernel's selection maps,
 * the capture ring, and each session's pcapng stream to its client.
 *
 * Runs in the main loop and never blocks it: the socket and its clients are
 * non-blocking; a client that reads too slowly loses packets (counted as
 * drops of its capture) rather than stalling the sensor. nt_capture_fd()
 * is watched by the loop; nt_capture_poll() does everything that is due.
 */
#ifndef NT_CAPTURE_H_USER
#define NT_CAPTURE_H_USER

#include <stdint.h>

#include "request.h"

struct nt_k8s;
struct nt_recorder;
struct nt_sockattr;

/* What an audit record (user/encode/audit.c) says of one capture. */
struct nt_capture_audit {
	uint32_t uid; /* the client (SO_PEERCRED) */
	int32_t pid;
	const struct nt_capreq *req;
	uint64_t start_unix_ns, end_unix_ns;
	uint64_t packets, bytes, dropped, filtered;
	const char *end_reason; /* duration, packets, bytes, client_closed, shutdown, refused */
	const char *error;	/* refused: why; else NULL */
};

struct nt_capture_opts {
	const char *socket_path;
	int enabled; /* --capture on */
	const char *node;
	const char *version; /* shb_userappl */
	/* the kernel side (loader.c) */
	int ring_fd, drops_fd, addr_fd, iface_fd, flows_fd;
	volatile uint32_t *flags, *snaplen; /* .data.capture */
	volatile uint32_t *gen;		    /* capture_gen: bumped after the maps */
	struct nt_k8s *k8s;		    /* NULL: no pod selectors */
	struct nt_sockattr *sa;		    /* pid/comm of local sockets, or NULL */
	const struct nt_recorder *rec;	    /* flow.id's seed */
	void (*audit)(void *ctx, const struct nt_capture_audit *a);
	void *audit_ctx;
};

struct nt_capture_stats {
	uint64_t started, refused, packets, bytes, ring_drops, client_drops, filtered;
	uint64_t socket_errors; /* the control socket could not be made */
	uint64_t active;	/* gauge */
};

struct nt_capture;

/* Creates the socket (its directory when missing, mode 0600). NULL with a
 * one-line reason in err when the manager cannot run; a socket that cannot
 * be made (a path in use, no permission) is not fatal: the manager runs
 * without it, counted (socket_errors), with the reason in err. */
struct nt_capture *nt_capture_open(const struct nt_capture_opts *o, char *err, size_t errlen);

/* The fd the main loop watches (readable: nt_capture_poll has work). */
int nt_capture_fd(const struct nt_capture *c);

/* Accepts, reads requests, drains the capture ring into the sessions'
 * files, enforces limits, streams. now: CLOCK_MONOTONIC ns; clock_offset:
 * CLOCK_REALTIME - CLOCK_MONOTONIC. Called with the Kubernetes read lock
 * held (the main loop's nt_enrich_begin): pods are resolved under it. */
void nt_capture_poll(struct nt_capture *c, uint64_t now, int64_t clock_offset);

const struct nt_capture_stats *nt_capture_stats(const struct nt_capture *c);

/* Ends every session (reason shutdown), removes the socket. NULL is fine. */
void nt_capture_close(struct nt_capture *c, uint64_t now, int64_t clock_offset);

/* The client: `nettrail capture ...` (argv[0] is "capture"). Exit status. */
int nt_capture_client_main(int argc, char **argv);

#endif
