#!/usr/bin/env bash
# tools/kubectl-nettrail against a stand-in kubectl (tests/kubectl/stub-kubectl):
# the pod's node, the nettrail pod on that node, the exec it runs with the
# capture flags passed through unchanged, and a one-line error with a
# non-zero exit for each way the lookup can fail. (The live capture through
# the plugin, with the stand-in's exec running the real client, is in
# tests/live/test_capture.py.)
set -uo pipefail
cd "$(dirname "$0")/../.."
PLUGIN=$PWD/tools/kubectl-nettrail
W=$(mktemp -d "${TMPDIR:-/tmp}/kplugin.XXXXXX")
export KUBECTL=$PWD/tests/kubectl/stub-kubectl STUB_DIR=$W STUB_LOG=$W/calls
pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

cat >"$W/pods.txt" <<'P'
app web-0 node-a app=web
app web-1 node-b app=web
default lonely node-c app=x
kube-system nettrail-aaaaa node-a app.kubernetes.io/name=nettrail,app.kubernetes.io/instance=nt
kube-system nettrail-bbbbb node-b app.kubernetes.io/name=nettrail,app.kubernetes.io/instance=nt
monitoring nettrail-ccccc node-b app.kubernetes.io/name=nettrail,app.kubernetes.io/instance=nt2
P

# run NAME WANT_RC WANT_STDOUT [WANT_STDERR_REGEX] -- PLUGIN ARGS...
run() {
	local name=$1 want_rc=$2 want_out=$3 want_err=$4; shift 5
	: >"$STUB_LOG"
	local out rc
	out=$("$PLUGIN" "$@" 2>"$W/err"); rc=$?
	if [ "$rc" != "$want_rc" ]; then bad "$name" "exit $rc, want $want_rc (stderr: $(cat "$W/err"))"; return; fi
	if [ "$out" != "$want_out" ]; then bad "$name" "stdout [$out], want [$want_out]"; return; fi
	if ! grep -qE -- "$want_err" "$W/err"; then
		bad "$name" "stderr [$(cat "$W/err")], want a line matching /$want_err/"; return
	fi
	if [ "$want_rc" != 0 ] && [ "$(wc -l <"$W/err")" != 1 ]; then
		bad "$name" "stderr [$(cat "$W/err")]: a failure must be one line"; return
	fi
	ok "$name"
}

nl=$'\n'
run "pod's node -> the sensor on that node, flags passed as they are" 0 \
	"nettrail${nl}capture${nl}--pod${nl}app/web-0${nl}--filter${nl}tcp port 443 and host 10.0.0.1${nl}--duration${nl}30${nl}-w${nl}-" \
	'capturing app/web-0 through kube-system/nettrail-aaaaa on node node-a' -- \
	capture web-0 -n app --filter 'tcp port 443 and host 10.0.0.1' --duration 30
want_calls="get|pod|-n|app|web-0|-o|jsonpath={.spec.nodeName}
get|pods|-A|-l|app.kubernetes.io/name=nettrail|--field-selector|spec.nodeName=node-a|-o|jsonpath={range .items[*]}{.metadata.namespace} {.metadata.name}{\"\\n\"}{end}
exec|-i|-n|kube-system|nettrail-aaaaa|-c|nettrail|--|nettrail|capture|--pod|app/web-0|--filter|tcp port 443 and host 10.0.0.1|--duration|30|-w|-"
[ "$(cat "$STUB_LOG")" = "$want_calls" ] && ok "exactly three kubectl calls: get pod, get pods on the node, exec" ||
	bad "kubectl calls" "$(cat "$STUB_LOG")"

run "a quote inside the filter survives the shell" 0 \
	"nettrail${nl}capture${nl}--pod${nl}app/web-0${nl}--filter${nl}ether host 'x'${nl}--packets=5${nl}-w${nl}-" '' -- \
	capture --namespace=app web-0 --filter "ether host 'x'" --packets=5

STUB_CONTEXT_NS=app run "namespace from the context when -n is missing" 0 \
	"nettrail${nl}capture${nl}--pod${nl}app/web-0${nl}-w${nl}-" 'through kube-system/nettrail-aaaaa' -- capture web-0
run "no namespace anywhere: default" 1 "" "no nettrail pod \(app.kubernetes.io/name=nettrail\) on node node-c" -- \
	capture lonely

: >"$STUB_LOG"
"$PLUGIN" capture web-0 -n app --context prod --kubeconfig "$W/kc" >/dev/null 2>&1
n_ctx=$(grep -c -- "--context=prod|--kubeconfig=$W/kc" "$STUB_LOG")
[ "$n_ctx" = 3 ] && ok "--context and --kubeconfig on every kubectl call" || bad "--context" "$(cat "$STUB_LOG")"

"$PLUGIN" capture web-0 -n app -w "$W/out.pcapng" >"$W/stdout" 2>/dev/null
[ "$(tail -1 "$W/out.pcapng")" = "-" ] && [ ! -s "$W/stdout" ] && ok "-w FILE: the stream goes to FILE" ||
	bad "-w FILE" "file [$(cat "$W/out.pcapng")] stdout [$(cat "$W/stdout")]"

run "unknown pod: kubectl's failure in our one line" 1 "" "cannot read pod app/nope: Error from server \(NotFound\): pods \"nope\" not found$" -- capture nope -n app
run "two sensors on one node: refused" 1 "" "several nettrail pods on node node-b" -- capture web-1 -n app
run "--sensor-namespace picks one of them" 0 "nettrail${nl}capture${nl}--pod${nl}app/web-1${nl}-w${nl}-" \
	'through monitoring/nettrail-ccccc' -- capture web-1 -n app --sensor-namespace monitoring
run "--sensor-selector picks the other" 0 "nettrail${nl}capture${nl}--pod${nl}app/web-1${nl}-w${nl}-" \
	'through kube-system/nettrail-bbbbb' -- capture web-1 -n app \
	--sensor-selector app.kubernetes.io/instance=nt
run "--pod is the plugin's" 1 "" "--pod is chosen by the plugin" -- capture web-0 -n app --pod x/y
run "unknown option" 1 "" "unknown option '--bogus'" -- capture web-0 -n app --bogus
run "two pods" 1 "" "one pod at a time" -- capture web-0 web-1 -n app
run "no pod" 1 "" "which pod\?" -- capture -n app
run "unknown command" 1 "" "unknown command 'snoop'" -- snoop web-0
run "option without its value" 1 "" "option --duration needs a value" -- capture web-0 -n app --duration
STUB_EXEC_RC=4 run "the capture's exit status is the plugin's" 4 "nettrail${nl}capture${nl}--pod${nl}app/web-0${nl}-w${nl}-" '' -- \
	capture web-0 -n app

rm -rf "$W"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
