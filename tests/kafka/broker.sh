#!/usr/bin/env bash
# A real Apache Kafka broker for tests: one KRaft node that is both broker and
# controller, listening on 127.0.0.1 only. Its jars come from Maven Central
# through tests/kafka/pom.xml (no tarball), cached once per version.
#
#   broker.sh fetch            fetch the jars into the cache (idempotent)
#   broker.sh start DIR        format a fresh node in DIR, start it, wait until
#                              a metadata request succeeds, print
#                              BOOTSTRAP=127.0.0.1:<port> on stdout
#   broker.sh stop DIR         SIGTERM, wait (NT_KAFKA_STOP_TIMEOUT, 30 s), SIGKILL
#   broker.sh kill DIR         SIGKILL (a crash, for outage tests)
#   broker.sh restart DIR      stop if running, start again on the same data
#                              and port, wait, print BOOTSTRAP=... again
#   broker.sh bootstrap DIR    print BOOTSTRAP=... (running or not)
#   broker.sh status DIR       exit 0 if the broker in DIR is running
#   broker.sh libs             print the jar directory (fetching if needed)
#
# DIR holds server.properties, log4j2.properties, data/ (log dirs and the
# KRaft metadata log), broker.log (appended across restarts), broker.pid and
# bootstrap (127.0.0.1:<port>). Only stdout's BOOTSTRAP line is for callers;
# progress and errors go to stderr.
#
# Environment:
#   NT_KAFKA_VERSION        Kafka version (default: kafka.version in pom.xml)
#   NT_KAFKA_HOME           cache (default $HOME/.cache/nettrail/kafka-<version>)
#   NT_KAFKA_LIBS           jar directory (default $NT_KAFKA_HOME/libs)
#   NT_KAFKA_MVN_ARGS       extra mvn arguments (e.g. -Dmaven.repo.local=...)
#   NT_KAFKA_HEAP           JVM heap options (default -Xms64m -Xmx512m)
#   NT_KAFKA_PROPS          extra server.properties lines, appended at start
#   NT_KAFKA_START_TIMEOUT  seconds to wait for readiness (default 60)
#   NT_KAFKA_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL (default 30)
#   JAVA                    java binary (default: java on PATH; 17 or newer)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
POM=$HERE/pom.xml
HOST=127.0.0.1
JAVA=${JAVA:-java}

die() { echo "broker.sh: $*" >&2; exit 1; }
say() { echo "broker.sh: $*" >&2; }

VERSION=${NT_KAFKA_VERSION:-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -1)}
[ -n "$VERSION" ] || die "no kafka.version in $POM"
KHOME=${NT_KAFKA_HOME:-${HOME:-/root}/.cache/nettrail/kafka-$VERSION}
LIBS=${NT_KAFKA_LIBS:-$KHOME/libs}

# ---- jars -----------------------------------------------------------------

# The cache is complete when libs/.complete holds the pom's hash and version:
# a changed pom refetches. Concurrent fetches serialise on a lock.
stamp() { echo "$VERSION $(sha256sum <"$POM" | cut -c1-16)"; }

fetch() {
	local want; want=$(stamp)
	[ "$(cat "$LIBS/.complete" 2>/dev/null)" = "$want" ] && return 0
	command -v mvn >/dev/null || die "mvn not found (Debian package maven)"
	local parent; parent=$(dirname "$LIBS")
	mkdir -p "$parent"
	exec 9>"$parent/.fetch.lock"
	flock -w 600 9 || die "timed out waiting for another fetch ($parent/.fetch.lock)"
	if [ "$(cat "$LIBS/.complete" 2>/dev/null)" != "$want" ]; then
		say "fetching Kafka $VERSION jars into $LIBS"
		local tmp; tmp=$(mktemp -d "$parent/.libs.XXXXXX")
		# mvn's chatter is kept and shown only if it fails
		# shellcheck disable=SC2086
		if ! (cd "$tmp" && mvn -q -B -Dstyle.color=never -f "$POM" -Dkafka.version="$VERSION" \
			${NT_KAFKA_MVN_ARGS:-} dependency:copy-dependencies \
			-DincludeScope=runtime -DoutputDirectory="$tmp") >"$parent/fetch.log" 2>&1; then
			sed 's/\x1b\[[0-9;]*m//g' "$parent/fetch.log" | tail -n 40 >&2
			rm -rf "$tmp"
			die "mvn could not fetch Kafka $VERSION (log: $parent/fetch.log)"
		fi
		ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "no kafka_2.13 jar fetched"; }
		echo "$want" >"$tmp/.complete"
		rm -rf "$LIBS"
		mv "$tmp" "$LIBS"
	fi
	exec 9>&-
}

check_java() {
	command -v "$JAVA" >/dev/null || die "java not found (Debian package openjdk-17-jre-headless)"
	local v; v=$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
	[ "${v:-0}" -ge 17 ] || die "Kafka $VERSION needs Java 17 or newer (found ${v:-none})"
}

# ---- ports ----------------------------------------------------------------

# Two distinct ports free on 127.0.0.1, taken below the kernel's ephemeral
# range so that no client's outgoing connection can sit on them while the
# broker is down (restart must get the same port back).
free_ports() {
	python3 - "$HOST" <<'PY'
import random, socket, sys
host = sys.argv[1]
try:
    lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except Exception:
    lo = 32768
lo = max(lo, 12000)
got = []
for port in random.sample(range(10000, lo), min(2000, lo - 10000)):
    s = socket.socket()
    try:
        s.bind((host, port))
    except OSError:
        continue
    finally:
        s.close()
    got.append(port)
    if len(got) == 2:
        print(*got)
        sys.exit(0)
sys.exit("no free port")
PY
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# ---- one node ---------------------------------------------------------------

prop() { sed -n "s/^$1=//p" "$DIR/server.properties" | tail -1; }

write_config() { # port cport
	local port=$1 cport=$2
	cat >"$DIR/server.properties" <<EOF
# written by tests/kafka/broker.sh (Kafka $VERSION)
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$cport
listeners=PLAINTEXT://$HOST:$port,CONTROLLER://$HOST:$cport
advertised.listeners=PLAINTEXT://$HOST:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DIR/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# after a SIGKILL the restarted node waits out its own old broker session
# before it can register again: keep that short (defaults 2000/9000 ms)
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
EOF
	if [ -n "${NT_KAFKA_PROPS:-}" ]; then
		printf '# NT_KAFKA_PROPS\n%s\n' "$NT_KAFKA_PROPS" >>"$DIR/server.properties"
	fi
	cat >"$DIR/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.target = SYSTEM_OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.state.name = state.change.logger
logger.state.level = WARN
logger.cfg.name = org.apache.kafka.common.config.AbstractConfig
logger.cfg.level = WARN
EOF
}

# pid of the broker running in DIR, or nothing
running_pid() {
	local pid; pid=$(cat "$DIR/broker.pid" 2>/dev/null) || return 0
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $DIR/server.properties" && echo "$pid"
	return 0
}

launch() {
	check_java
	local port; port=$(prop 'listeners' | sed -n 's/.*PLAINTEXT:\/\/[^,]*:\([0-9]*\).*/\1/p')
	[ -n "$port" ] || die "no PLAINTEXT port in $DIR/server.properties"
	port_open "$port" && die "port $port on $HOST is already in use"
	echo "===== broker.sh: start $(date -u +%FT%TZ) Kafka $VERSION" >>"$DIR/broker.log"
	# shellcheck disable=SC2086
	"$JAVA" ${NT_KAFKA_HEAP:--Xms64m -Xmx512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
		-Djava.awt.headless=true -Dlog4j2.configurationFile="$DIR/log4j2.properties" \
		-Dkafka.logs.dir="$DIR" -cp "$LIBS/*" \
		kafka.Kafka "$DIR/server.properties" </dev/null >>"$DIR/broker.log" 2>&1 &
	local pid=$!
	echo "$pid" >"$DIR/broker.pid"
	echo "$HOST:$port" >"$DIR/bootstrap"
	wait_ready "$pid" "$port"
	echo "BOOTSTRAP=$HOST:$port"
}

wait_ready() { # pid port
	local pid=$1 port=$2 t0=$SECONDS limit=${NT_KAFKA_START_TIMEOUT:-60} md=''
	command -v kcat >/dev/null || die "kcat not found (Debian package kcat)"
	while :; do
		if ! kill -0 "$pid" 2>/dev/null; then
			say "the broker exited during start-up; end of $DIR/broker.log:"
			tail -n 30 "$DIR/broker.log" >&2
			rm -f "$DIR/broker.pid"
			exit 1
		fi
		if port_open "$port"; then
			md=$(timeout 10 kcat -L -b "$HOST:$port" -m 5 -q 2>&1 || true)
			if grep -q "broker 1 at $HOST:$port" <<<"$md"; then
				say "ready on $HOST:$port after $((SECONDS - t0)) s (pid $pid)"
				return 0
			fi
		fi
		if [ $((SECONDS - t0)) -ge "$limit" ]; then
			say "not ready after $limit s; last metadata answer: ${md:-none}; end of $DIR/broker.log:"
			tail -n 30 "$DIR/broker.log" >&2
			kill -KILL "$pid" 2>/dev/null || true
			while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
			rm -f "$DIR/broker.pid"
			exit 1
		fi
		sleep 0.5
	done
}

do_start() {
	mkdir -p "$DIR"
	DIR=$(cd "$DIR" && pwd)
	[ -z "$(running_pid)" ] || die "a broker is already running in $DIR (pid $(running_pid))"
	[ ! -e "$DIR/server.properties" ] || die "$DIR already holds a broker: use restart (or remove it)"
	fetch
	check_java
	local ports; ports=$(free_ports) || die "no free ports on $HOST"
	# shellcheck disable=SC2086
	write_config $ports
	mkdir -p "$DIR/data"
	local id; id=$("$JAVA" -cp "$LIBS/*" kafka.tools.StorageTool random-uuid 2>>"$DIR/broker.log" | tail -1)
	[ -n "$id" ] || die "random-uuid failed (see $DIR/broker.log)"
	echo "$id" >"$DIR/cluster.id"
	"$JAVA" -Dlog4j2.configurationFile="$DIR/log4j2.properties" -cp "$LIBS/*" \
		kafka.tools.StorageTool format -t "$id" -c "$DIR/server.properties" \
		>>"$DIR/broker.log" 2>&1 || { tail -n 20 "$DIR/broker.log" >&2; die "storage format failed"; }
	launch
}

do_stop() { # signal-first: TERM or KILL
	local pid; pid=$(running_pid)
	if [ -z "$pid" ]; then rm -f "$DIR/broker.pid"; return 0; fi
	local limit=${NT_KAFKA_STOP_TIMEOUT:-30} t0=$SECONDS
	if [ "$1" = TERM ]; then
		kill -TERM "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null && [ $((SECONDS - t0)) -lt "$limit" ]; do sleep 0.2; done
		kill -0 "$pid" 2>/dev/null && say "no exit $limit s after SIGTERM: SIGKILL"
	fi
	kill -KILL "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	rm -f "$DIR/broker.pid"
}

existing_dir() {
	[ -n "$DIR" ] && [ -e "$DIR/server.properties" ] || die "no broker in ${DIR:-?} (start one first)"
	DIR=$(cd "$DIR" && pwd)
}

cmd=${1:-}
DIR=${2:-}
case $cmd in
fetch) fetch ;;
libs) fetch; echo "$LIBS" ;;
start) [ -n "$DIR" ] || die "usage: broker.sh start DIR"; do_start ;;
stop) existing_dir; do_stop TERM ;;
kill) existing_dir; do_stop KILL ;;
restart) existing_dir; do_stop TERM; fetch; launch ;;
bootstrap) existing_dir; echo "BOOTSTRAP=$(cat "$DIR/bootstrap")" ;;
status) existing_dir; [ -n "$(running_pid)" ] ;;
*) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
