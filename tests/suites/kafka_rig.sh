#!/usr/bin/env bash
# Self-test of the Kafka test rig (tests/kafka/broker.sh): fetch the broker's
# jars (cached), start a single-node KRaft broker on 127.0.0.1 in a temporary
# directory, produce 1,000 keyed messages with kcat and read them back, then
# restart it (graceful, then after a SIGKILL) and read them again, and stop it.
# Prints "ok ..." / "FAIL ..." lines and closes with "N passed, M failed".
# Needs: java (17+), mvn, kcat, python3, ss (iproute2); Maven Central for a
# cold cache. Bounded: NT_KAFKA_RIG_TIMEOUT seconds after the fetch (170).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
broker=$root/tests/kafka/broker.sh
N=1000
passed=0 failed=0 bootstrap='' watchdog=''
work=$(mktemp -d -t nt-kafka-rig.XXXXXX)
dir=$work/broker
topic=nt-rig-$$-$RANDOM

ok() { echo "ok $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
log_tail() { [ -f "$dir/broker.log" ] && tail -n 15 "$dir/broker.log" | sed 's/^/#   /'; return 0; }
finish() {
	trap - EXIT TERM INT
	[ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
	[ -d "$dir" ] && "$broker" kill "$dir" >/dev/null 2>&1
	rm -rf "$work"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] && exit 0
	exit 1
}
trap finish EXIT
trap 'fail "rig: interrupted or over time"; finish' TERM INT

for tool in java mvn kcat python3 ss timeout; do
	command -v "$tool" >/dev/null || fail "tools: $tool is missing"
done
[ "$failed" -eq 0 ] || exit 1

t=$SECONDS
if ! "$root/tests/lib/prefetch.sh" wait kafka 2>"$work/fetch.out"; then
	fail "fetch: $(tail -n 1 "$work/fetch.out")"
	exit 1
fi
if timeout 480 "$broker" fetch >"$work/fetch.out" 2>&1; then
	libs=$("$broker" libs 2>/dev/null)
	ok "fetch: $(find "$libs" -name '*.jar' | wc -l) jars, $(du -sh "$libs" | cut -f1), in $libs ($((SECONDS - t)) s)"
else
	fail "fetch: $(tail -n 5 "$work/fetch.out")"
	exit 1
fi

# shellcheck disable=SC2016
( trap 'kill "$s" 2>/dev/null; wait "$s"; exit 0' TERM
  sleep "${NT_KAFKA_RIG_TIMEOUT:-170}" & s=$!; wait "$s" && kill -TERM $$ ) 2>/dev/null &
watchdog=$!

# messages: key-0001:value 0001 ...; values carry spaces and a ':' of their own
for i in $(seq -f '%04g' 1 $N); do
	echo "key-$i:value $i: $(printf 'x%.0s' $(seq 1 $((10#$i % 50))))"
done >"$work/sent.txt"

pid_of() { cat "$dir/broker.pid" 2>/dev/null; }

start_check() { # name command: runs broker.sh, checks its stdout and the port
	local name=$1 t=$SECONDS out; shift
	if ! out=$(timeout 120 "$broker" "$@" "$dir" 2>"$work/err"); then
		fail "$name: broker.sh $* failed: $(tail -n 3 "$work/err")"
		log_tail
		return 1
	fi
	if ! [[ $out =~ ^BOOTSTRAP=127\.0\.0\.1:[0-9]+$ ]]; then
		fail "$name: stdout is not one BOOTSTRAP=127.0.0.1:<port> line: '$out'"
		return 1
	fi
	if [ -n "$bootstrap" ] && [ "${out#BOOTSTRAP=}" != "$bootstrap" ]; then
		fail "$name: bootstrap changed from $bootstrap to ${out#BOOTSTRAP=}"
		return 1
	fi
	bootstrap=${out#BOOTSTRAP=}
	ok "$name: $out, pid $(pid_of), ready in $((SECONDS - t)) s"
}

consume_check() { # name
	local name=$1 t=$SECONDS
	timeout 60 kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q \
		-f '%k:%s\n' >"$work/got.txt" 2>"$work/err"
	local rc=$? n; n=$(wc -l <"$work/got.txt")
	if [ $rc -ne 0 ]; then
		fail "$name: kcat -C exited $rc after $n messages: $(tail -n 3 "$work/err")"
	elif ! cmp -s "$work/sent.txt" "$work/got.txt"; then
		fail "$name: $n messages read, not the $N sent (first difference: $(diff "$work/sent.txt" "$work/got.txt" | sed -n 2p))"
	else
		ok "$name: $n messages read back in order, keys and values intact ($((SECONDS - t)) s)"
	fi
}

if start_check start start; then
	# only loopback listeners, PLAINTEXT and CONTROLLER
	listen=$(ss -Hltnp | grep "pid=$(pid_of)," | awk '{print $4}')
	if [ "$(wc -l <<<"$listen")" -ge 2 ] && ! grep -qvE '^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):[0-9]+$' <<<"$listen"; then
		ok "listeners: ${listen//$'\n'/ } (loopback only)"
	else
		fail "listeners: ${listen//$'\n'/ }"
	fi

	t=$SECONDS
	if timeout 60 kcat -P -b "$bootstrap" -t "$topic" -K : -X request.required.acks=-1 \
		-l "$work/sent.txt" 2>"$work/err"; then
		ok "produce: $N keyed messages to new topic $topic ($((SECONDS - t)) s)"
	else
		fail "produce: kcat -P failed: $(tail -n 3 "$work/err")"
	fi
	consume_check consume

	old=$(pid_of)
	if start_check restart restart; then
		if [ "$(pid_of)" != "$old" ] && ! kill -0 "$old" 2>/dev/null; then
			ok "restart: old process $old gone, new $(pid_of), same port"
		else
			fail "restart: old pid $old, new $(pid_of)"
		fi
		consume_check "consume after restart"
	fi

	old=$(pid_of)
	if timeout 30 "$broker" kill "$dir" 2>"$work/err" && ! kill -0 "$old" 2>/dev/null \
		&& ! "$broker" status "$dir" 2>/dev/null; then
		ok "kill: pid $old gone after SIGKILL"
		if start_check "restart after kill" restart; then
			consume_check "consume after kill and restart"
		fi
	else
		fail "kill: $(tail -n 3 "$work/err")"
	fi

	old=$(pid_of) t=$SECONDS
	if timeout 60 "$broker" stop "$dir" 2>"$work/err" && ! kill -0 "$old" 2>/dev/null \
		&& [ ! -e "$dir/broker.pid" ] && ! (exec 3<>"/dev/tcp/${bootstrap%:*}/${bootstrap##*:}") 2>/dev/null; then
		ok "stop: pid $old exited, port ${bootstrap##*:} closed ($((SECONDS - t)) s)"
	else
		fail "stop: $(tail -n 3 "$work/err")"
		log_tail
	fi
	# the last run's log (after broker.sh's last start marker) shows a clean shutdown
	# shellcheck disable=SC2016
	last_run=$(sed -n '/^===== broker.sh: start/h; /^===== broker.sh: start/!H; ${x;p}' "$dir/broker.log")
	if grep -q 'Terminating process due to signal SIGTERM' <<<"$last_run"; then
		ok "stop: the broker logged its SIGTERM shutdown"
	else
		fail "stop: no SIGTERM shutdown in broker.log"
	fi
fi
