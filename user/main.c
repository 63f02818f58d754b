// SPDX-License-Identifier: BSD-2-Clause
/*
 * main.c - nettrail entry point: configuration, then either the live loop
 * (TC on interfaces) or an offline replay (--pcap), feeding the same
 * collector -> recorder -> sink pipeline.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strdup, memmem, getrandom... whatever the flags */
#endif
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "capture.h"
#include "collector.h"
#include "util.h"
#include "log.h"
#include "telemetry.h"
#include "config.h"
#include "dns.h"
#include "cgroupmap.h"
#include "enrich.h"
#include "k8s.h"
#include "kafka.h"
#include "sockattr.h"
#include "loader.h"
#include "metrics.h"
#include "nettrail.h"
#include "ocsf.h"
#include "payload.h"
#include "record.h"
#include "replay.h"
#include "sink.h"

#define NS		1000000000ULL
#define TICK_NS		100000000ULL  /* 100 ms: close checks, events */
#define CLOSE_LINGER_NS 1200000000ULL /* wait for the last ACK after a close */

extern char **environ;

struct app {
	struct nt_config cfg;
	struct nt_datapath dp;
	struct nt_collector *col;
	struct nt_payload *payload;
	struct nt_dns *dns;
	struct nt_metrics *metrics;
	struct nt_recorder rec;
	struct nt_ocsf ocsf;	/* --record-format with ocsf */
	struct nt_encoders enc; /* the formats each record is written in */
	struct nt_sink sink;
	struct ring_buffer *rb;
	struct nt_enrich enrich;
	uint64_t start_mono;
	uint64_t rb_errors;
	const struct nt_replay_stats *replay; /* --pcap: the replay's counters */
	struct nt_capture *cap;		      /* the control socket; NULL: none */
	char node[256];
};

static volatile int g_stop;

static void die_usage(const char *msg)
{
	nt_err("%s\nTry 'nettrail --help'.", msg);
	exit(2);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nt_vlog(NT_LOG_ERROR, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	return nt_log_libbpf(lvl, fmt, ap);
}

/* Every counter and gauge of the registry, now. */
static void gather(struct app *a, struct nt_metrics_snap *m)
{
	size_t nif = 0;

	for (const char *const *p = nt_dp_attached_names(&a->dp); *p; p++)
		nif++;
	struct nt_telemetry_src src = {
		.kernel_stats_fd = nt_dp_stats_fd(&a->dp),
		.col = a->col,
		.payload = a->payload,
		.dns = a->dns,
		.kafka = nt_sink_kafka(&a->sink),
		.k8s = a->enrich.k8s,
		.sockattr = a->enrich.sa,
		.enrich = &a->enrich.st,
		.replay = a->replay,
		/* the records already written, plus the ones waiting in the buffer */
		.sink = &a->sink.st,
		.attach_errors = a->dp.attach_errors,
		.ringbuf_poll_errors = a->rb_errors,
		.interfaces_attached = nif,
		.flow_table_size = a->cfg.max_flows,
		.nat_conntrack = a->dp.nat_ct != NT_NAT_CT_NONE,
		.capture = a->cap ? nt_capture_stats(a->cap) : NULL,
	};

	nt_telemetry_read(&src, m);
}

static void heartbeat(struct app *a, uint64_t now_unix, uint64_t uptime_s)
{
	struct nt_metrics_snap m;
	struct nt_heartbeat hb = {
		.now_unix_ns = now_unix,
		.uptime_s = uptime_s,
		.interval_s = a->cfg.heartbeat,
		.flows_tracked = nt_collector_stats(a->col)->flows_tracked,
		.flow_table_size = a->cfg.max_flows,
		.interfaces = nt_dp_attached_names(&a->dp),
		.metrics = &m,
	};

	gather(a, &m);
	nt_record_heartbeat(&a->rec, &hb);
}

/* The same snapshot for /metrics (once per tick). */
static void publish_metrics(struct app *a, int ready)
{
	struct nt_metrics_snap m;

	if (!a->metrics)
		return;
	gather(a, &m);
	nt_metrics_publish(a->metrics, &m, ready);
}

/* Kubernetes metadata by --k8s: an explicit API, a kubeconfig, or the
 * in-cluster service account. Bad settings are usage errors; an API that
 * is down is not (records flow unenriched, counted, until it is back). */
static struct nt_k8s_opts k8s_opts; /* its strings: start_k8s's buffer */

/* A kubeconfig's inline CA and token were written to temp files for
 * libcurl; they go when nettrail does. */
static void k8s_temp_cleanup(void)
{
	nt_k8s_opts_drop_temps(&k8s_opts);
}

static void start_k8s(struct app *a)
{
	static char buf[8192];
	struct nt_k8s_opts *op = &k8s_opts, o = { 0 };
	char err[512];

	if (a->cfg.k8s == NT_K8S_OFF)
		return;
	if (a->cfg.kubeconfig) {
		if (nt_k8s_load_kubeconfig(a->cfg.kubeconfig, &o, buf, sizeof(buf), err,
					   sizeof(err)))
			die_usage(err);
		*op = o;
		atexit(k8s_temp_cleanup);
	} else if (a->cfg.k8s_api) {
		o.api_url = a->cfg.k8s_api;
		o.token_file = a->cfg.k8s_token_file;
		o.ca_file = a->cfg.k8s_ca;
	} else if (getenv("KUBERNETES_SERVICE_HOST")) {
		if (nt_k8s_resolve_incluster(&o, buf, sizeof(buf), err, sizeof(err)))
			die_usage(err);
	} else if (a->cfg.k8s == NT_K8S_ON) {
		die_usage("--k8s on: no API server (give --k8s-api with "
			  "--k8s-ca and --k8s-token-file, or --kubeconfig, or "
			  "run in a pod)");
	} else {
		return; /* auto, and not in a cluster */
	}
	o.node_name = a->node;
	o.timeout_s = a->cfg.k8s_timeout;
	a->enrich.k8s = nt_k8s_start(&o, err, sizeof(err));
	if (!a->enrich.k8s)
		die_usage(err);
}

/* cgroup hooks for the local process and container; without them (an
 * old kernel, no cgroup v2) nettrail runs on, says so, and counts it. */
static void start_process_attribution(struct app *a)
{
	char err[512];

	if (a->cfg.pcap || !a->cfg.process_attribution)
		return;
	a->enrich.sa = nt_sockattr_open(a->cfg.cgroup_root, err, sizeof(err));
	if (!a->enrich.sa) {
		fail("warning: no process attribution: %s", err);
		a->dp.attach_errors++;
		return;
	}
	a->enrich.cg = nt_cgroupmap_new(nt_sockattr_cgroup_root(a->enrich.sa));
}

/* The control socket for `nettrail capture` (docs/capture.md). Without
 * it (a path in use, no permission) the sensor runs on and says so. */
static void start_capture(struct app *a)
{
	struct nt_dp_capture k;
	char err[512];

	nt_dp_capture(&a->dp, &k);
	struct nt_capture_opts o = {
		.socket_path = a->cfg.control_socket,
		.enabled = a->cfg.capture,
		.node = a->node,
		.version = "nettrail " NT_VERSION,
		.ring_fd = k.ring_fd,
		.drops_fd = k.drops_fd,
		.addr_fd = k.addr_fd,
		.iface_fd = k.iface_fd,
		.flows_fd = nt_dp_flows_fd(&a->dp),
		.flags = k.flags,
		.snaplen = k.snaplen,
		.gen = k.gen,
		.k8s = a->enrich.k8s,
		.sa = a->enrich.sa,
		.rec = &a->rec,
		.audit = nt_record_capture,
		.audit_ctx = &a->rec,
	};

	err[0] = 0;
	a->cap = nt_capture_open(&o, err, sizeof(err));
	if (err[0])
		fail("warning: no on-demand capture: %s", err);
}

/* --help, --list-metrics, --version and --check-config answer and exit. */
static void answer_and_exit(struct app *a)
{
	char err[512];

	if (a->cfg.show_help) {
		nt_config_usage(stdout);
		exit(0);
	}
	if (a->cfg.list_metrics) {
		nt_counters_list(stdout);
		exit(0);
	}
	if (a->cfg.show_version) {
		printf("nettrail %s (schema %s, libbpf %s)\n", NT_VERSION, NT_SCHEMA_VERSION,
		       libbpf_version_string());
		exit(0);
	}
	if (!a->cfg.check_config)
		return;
	/* flags were validated by the parser; files and addresses are checked
	 * here the way start-up would, without touching the kernel or the
	 * network */
	if (nt_config_check_files(&a->cfg, err, sizeof(err)) ||
	    (a->cfg.output == NT_OUT_KAFKA && nt_kafka_check_config(&a->cfg, err, sizeof(err))))
		die_usage(err);
	nt_config_print(&a->cfg, stdout);
	exit(0);
}

/* The metrics port, then the sink: a start that fails leaves no producer
 * (or spool) half started. 0, or 1 after saying why. */
static int open_outputs(struct app *a)
{
	char err[512];
	int so;

	if (a->cfg.metrics_addr) {
		int usage = 0;

		a->metrics = nt_metrics_start(a->cfg.metrics_addr, err, sizeof(err), &usage);
		if (!a->metrics) {
			if (usage)
				die_usage(err);
			fail("%s", err);
			return 1;
		}
	}
	so = nt_sink_open(&a->sink, &a->cfg, a->node, err, sizeof(err));
	if (so == -2)
		die_usage(err);
	if (so) {
		fail("%s", err);
		return 1;
	}
	return 0;
}

/* The encoder, the inspectors (payload, DNS) and the collector, wired:
 * collector -> recorder -> sink, samples -> payload -> DNS -> recorder. */
static int build_pipeline(struct app *a)
{
	nt_recorder_init(&a->rec, nt_sink_output(&a->sink), a->node, a->cfg.cluster_name);
	nt_enrich_init(&a->enrich, &a->cfg);
	start_k8s(a);
	a->rec.enrich = &a->enrich;
	a->rec.cloud_provider = a->cfg.cloud_provider;
	a->rec.cloud_region = a->cfg.cloud_region;
	a->rec.cloud_account = a->cfg.cloud_account;
	a->rec.ifname = nt_dp_ifname;
	a->rec.ifname_ctx = &a->dp;
	/* the formats: ECS, OCSF or both (OCSF first, sharing the ECS ids) */
	if (NT_FMT_HAS_OCSF(a->cfg.record_format)) {
		nt_ocsf_init(&a->ocsf, nt_sink_output(&a->sink), &a->rec, a->cfg.ocsf_version,
			     NT_FMT_HAS_ECS(a->cfg.record_format));
		a->enc.ocsf = &a->ocsf;
	}
	if (NT_FMT_HAS_ECS(a->cfg.record_format))
		a->enc.ecs = &a->rec;
	a->rec.nat_get = nt_dp_nat_get;
	a->rec.nat_ctx = &a->dp;
	struct nt_collector_opts co = {
		.flows_fd = nt_dp_flows_fd(&a->dp),
		.ended_fd = nt_dp_ended_fd(&a->dp),
		.max_flows = a->cfg.max_flows,
		.idle_ns = (uint64_t)a->cfg.idle_timeout * NS,
		.active_ns = (uint64_t)a->cfg.active_timeout * NS,
		.close_linger_ns = CLOSE_LINGER_NS,
		.report = nt_encoders_flow,
		.report_ctx = &a->enc,
		.meta_get = nt_payload_get,
		.meta_forget = nt_payload_forget,
		.nat_flows_fd = nt_dp_nat_flows_fd(&a->dp),
		.nat_links_fd = nt_dp_nat_links_fd(&a->dp),
		.syn_slots = a->dp.syn_slots,
		.n_syn_slots = a->dp.n_syn_slots,
		.tcp_present = a->dp.tcp_present,
		.n_tcp_present = a->dp.n_tcp_present,
	};
	struct nt_dns_opts dopts = {
		.answer_timeout_ns = 5 * NS,
		.cache_max = a->cfg.dns_cache_entries,
		.grace_ns = 300 * NS,
		.emit = nt_encoders_dns,
		.emit_ctx = &a->enc,
	};
	a->payload = nt_payload_new();
	a->dns = nt_dns_new(&dopts);
	if (!a->payload || !a->dns)
		return -1;
	nt_payload_set_dns(a->payload, a->dns);
	if (nt_payload_set_certs(a->payload, a->cfg.tls_cert_max_bytes, nt_dp_cert_stop, &a->dp))
		return -1;
	a->rec.dns = a->dns;
	co.meta_ctx = a->payload;
	a->col = nt_collector_new(&co);
	/* one poller for both rings: flow events and payload samples */
	a->rb = a->col ? ring_buffer__new(nt_dp_events_fd(&a->dp), nt_collector_on_event, a->col,
					  NULL) :
			 NULL;
	if (a->rb &&
	    ring_buffer__add(a->rb, nt_dp_samples_fd(&a->dp), nt_payload_on_sample, a->payload)) {
		ring_buffer__free(a->rb);
		a->rb = NULL;
	}
	return a->rb ? 0 : -1;
}

static int setup(struct app *a, int argc, char **argv)
{
	char err[512];
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	sigset_t sigs;

	nt_config_defaults(&a->cfg);
	if (nt_config_parse(&a->cfg, argc, argv, environ, err, sizeof(err)))
		die_usage(err);
	nt_log_set_level((enum nt_log_level)a->cfg.log_level);
	if (a->cfg.node_name)
		snprintf(a->node, sizeof(a->node), "%s", a->cfg.node_name);
	else if (gethostname(a->node, sizeof(a->node) - 1))
		snprintf(a->node, sizeof(a->node), "unknown");
	answer_and_exit(a);
	/* Signals are blocked before any thread starts (libmicrohttpd's,
	 * librdkafka's), so they are only ever taken by the main thread:
	 * through signalfd live, by a handler offline. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (open_outputs(a))
		return 1;
	libbpf_set_print(libbpf_print);
	setrlimit(RLIMIT_MEMLOCK, &rl); /* kernels before 5.11 need it */
	if (nt_dp_open(&a->dp, &a->cfg, a->cfg.pcap != NULL, err, sizeof(err))) {
		fail("%s", err);
		return 1;
	}
	if (build_pipeline(a)) {
		fail("out of memory setting up the collector");
		return 1;
	}
	a->start_mono = nt_clock_ns(CLOCK_MONOTONIC);
	return 0;
}

/*
 * Hook time (CLOCK_MONOTONIC) + offset = Unix time. Two clock reads a few
 * hundred ns apart jitter, and a flow's times must render the same in every
 * report, so the offset changes only when the wall clock really stepped
 * (more than 1 ms: NTP step, manual set).
 */
static void update_clock_offset(struct nt_recorder *rec, uint64_t mono)
{
	int64_t off = (int64_t)(nt_clock_ns(CLOCK_REALTIME) - mono);
	int64_t d = off - rec->clock_offset_ns;

	if (!rec->clock_offset_ns || d > 1000000 || d < -1000000)
		rec->clock_offset_ns = off;
}

/* Scan period: a fifth of the shortest timeout, 1 to 10 seconds. */
static uint64_t scan_interval(const struct nt_config *c)
{
	uint64_t t = c->idle_timeout;

	if (c->active_timeout && c->active_timeout < t)
		t = c->active_timeout;
	t = t * NS / 5;
	if (t < NS)
		t = NS;
	if (t > 10 * NS)
		t = 10 * NS;
	return t;
}

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static int run_pcap(struct app *a)
{
	struct nt_replay_stats st = { 0 };
	char err[512];
	int r;

	sigset_t sigs;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL); /* this thread only */
	a->rec.hook_name = "pcap";
	publish_metrics(a, 1);
	a->rec.clock_offset_ns = 0; /* capture time is Unix time */
	nt_enrich_begin(&a->enrich, nt_clock_ns(CLOCK_MONOTONIC));
	a->replay = &st;
	r = nt_replay(a->cfg.pcap, &a->dp, a->col, &a->rec, a->rb, a->dns, scan_interval(&a->cfg),
		      &g_stop, &st, err, sizeof(err));
	if (r < 0 && st.packets == 0) {
		fail("%s", err);
		return 1;
	}
	nt_dns_flush(a->dns);
	nt_collector_flush(a->col, st.last_ns, NT_END_SHUTDOWN);
	heartbeat(a, st.last_ns ? st.last_ns : nt_clock_ns(CLOCK_REALTIME),
		  (st.last_ns - st.first_ns) / NS);
	nt_recorder_flush(&a->rec);
	nt_enrich_end(&a->enrich);
	a->replay = NULL;
	if (st.run_errors)
		fail("warning: %llu packets could not be run through the "
		     "datapath",
		     (unsigned long long)st.run_errors);
	if (r < 0) {
		/* what was read is reported; the damage is still an error */
		fail("%s", err);
		return 1;
	}
	return 0;
}

struct live_loop {
	int ep, sfd, tfd;
	uint64_t scan_ns, next_scan, next_hb, next_metrics, deadline, last_werr;
};

/* signalfd, a 100 ms timerfd and an epoll for them. */
static int loop_open(struct app *a, struct live_loop *l)
{
	struct itimerspec its = { { 0, TICK_NS }, { 0, TICK_NS } };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	l->sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->sfd < 0 || l->tfd < 0 || l->ep < 0 || timerfd_settime(l->tfd, 0, &its, 0))
		return -1;
	l->scan_ns = scan_interval(&a->cfg);
	l->next_scan = a->start_mono + l->scan_ns;
	l->next_hb = a->start_mono + (uint64_t)a->cfg.heartbeat * NS;
	if (a->cfg.duration)
		l->deadline = a->start_mono + (uint64_t)a->cfg.duration * NS;
	return 0;
}

/* Once attached: signals, the timer, netlink (links that come and go) and
 * the rings, on the loop's epoll. */
static void loop_watch(struct app *a, struct live_loop *l)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fds[] = { l->sfd, l->tfd, a->dp.nl_fd, ring_buffer__epoll_fd(a->rb),
		      a->cap ? nt_capture_fd(a->cap) : -1 };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (fds[i] < 0)
			continue;
		ev.data.fd = fds[i];
		epoll_ctl(l->ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
}

/* One pass of the loop: rings, closes, DNS timeouts, a scan when due, the
 * metrics snapshot and the heartbeat when due, then the batch goes out. */
static void loop_tick(struct app *a, struct live_loop *l, uint64_t now)
{
	nt_enrich_begin(&a->enrich, now);
	/* before the rings: a flow end on the ring is reported as it is read */
	update_clock_offset(&a->rec, now);
	nt_capture_poll(a->cap, now, a->rec.clock_offset_ns);
	if (ring_buffer__consume(a->rb) < 0)
		a->rb_errors++;
	nt_collector_closing(a->col, now);
	nt_dns_expire(a->dns, now);
	if (now >= l->next_scan) {
		nt_collector_scan(a->col, now);
		l->next_scan = now + l->scan_ns;
	}
	/* once a second (it reads the kernel counters): ready when attached
	 * and the sink has not failed since the last one */
	if (a->metrics && now >= l->next_metrics) {
		publish_metrics(a, a->sink.st.write_errors == l->last_werr);
		l->last_werr = a->sink.st.write_errors;
		l->next_metrics = now + NS;
	}
	if (a->cfg.heartbeat && now >= l->next_hb) {
		heartbeat(a, now + (uint64_t)a->rec.clock_offset_ns, (now - a->start_mono) / NS);
		l->next_hb += (uint64_t)a->cfg.heartbeat * NS;
	}
	nt_recorder_flush(&a->rec);
	nt_enrich_end(&a->enrich);
	nt_sink_tick(&a->sink);
}

/* shutdown: every flow reported, then our filters removed */
static void loop_close(struct app *a, struct live_loop *l)
{
	uint64_t now = nt_clock_ns(CLOCK_MONOTONIC);

	nt_enrich_begin(&a->enrich, now);
	nt_capture_close(a->cap, now, a->rec.clock_offset_ns);
	a->cap = NULL;
	ring_buffer__consume(a->rb);
	nt_dns_flush(a->dns);
	nt_collector_flush(a->col, now, NT_END_SHUTDOWN);
	heartbeat(a, now + (uint64_t)a->rec.clock_offset_ns, (now - a->start_mono) / NS);
	nt_recorder_flush(&a->rec);
	nt_enrich_end(&a->enrich);
	nt_dp_detach_all(&a->dp);
	close(l->ep);
	close(l->tfd);
	close(l->sfd);
}

static int run_live(struct app *a)
{
	struct live_loop l = { 0 };
	struct epoll_event evs[8];
	char err[512];

	if (loop_open(a, &l)) {
		fail("cannot set up the event loop: %s", strerror(errno));
		return 1;
	}
	if (nt_dp_attach_all(&a->dp, err, sizeof(err))) {
		fail("%s", err);
		nt_dp_detach_all(&a->dp);
		return 1;
	}
	/* after the datapath: a start that fails says only why */
	start_process_attribution(a);
	start_capture(a);
	loop_watch(a, &l);
	while (!g_stop) {
		int n = epoll_wait(l.ep, evs, 8, 1000);
		uint64_t now, x;

		if (n < 0 && errno != EINTR) {
			fail("epoll: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == l.sfd)
				g_stop = 1;
			else if (fd == l.tfd && read(l.tfd, &x, sizeof(x)) < 0)
				(void)0;
			else if (fd == a->dp.nl_fd)
				nt_dp_netlink_handle(&a->dp);
		}
		now = nt_clock_ns(CLOCK_MONOTONIC);
		loop_tick(a, &l, now);
		if (l.deadline && now >= l.deadline)
			break;
	}
	loop_close(a, &l);
	return 0;
}

int main(int argc, char **argv)
{
	static struct app a;
	int rc;

	int started;

	if (argc > 1 && !strcmp(argv[1], "capture"))
		return nt_capture_client_main(argc - 1, argv + 1);
	rc = setup(&a, argc, argv);
	started = rc == 0;
	if (started)
		rc = a.cfg.pcap ? run_pcap(&a) : run_live(&a);
	if (a.rb)
		ring_buffer__free(a.rb);
	nt_collector_free(a.col);
	nt_payload_free(a.payload);
	nt_dns_free(a.dns);
	if (a.dp.skel)
		nt_dp_close(&a.dp);
	nt_metrics_stop(a.metrics);
	nt_recorder_free(&a.rec);
	if (a.enc.ocsf)
		nt_ocsf_free(&a.ocsf);
	nt_k8s_stop(a.enrich.k8s);
	nt_sockattr_close(a.enrich.sa);
	if (a.enrich.cg)
		nt_cgroupmap_free(a.enrich.cg);
	/* every record delivered or kept (spooled), or counted and said */
	if (started && nt_sink_drain(&a.sink, (int)a.cfg.kafka_flush_timeout * 1000) && rc == 0)
		rc = 1;
	nt_sink_close(&a.sink);
	if (rc == 0 && a.sink.st.write_errors) {
		fail("could not write %llu records: %s", (unsigned long long)a.sink.st.write_errors,
		     strerror(a.sink.st.last_errno));
		rc = 1;
	}
	nt_config_free(&a.cfg);
	return rc;
}
