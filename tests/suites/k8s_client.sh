#!/usr/bin/env bash
# The Kubernetes metadata client (user/k8s.c, user/k8s_ident.c) against the
# fake API server (tests/k8s/fake_apiserver.py): initial list+watch sync and
# exact identities, then watch events (modify, add, delete with grace, IP
# reuse), dropped watches (every mode), 410 Gone (ERROR event and HTTP) with
# a mark-and-sweep relist, token rotation, 401 and quick recovery, delays, an
# API server that is down at start, prompt stop, a sync through a YAML
# kubeconfig, 403 (RBAC) on a list and on a watch, 429 with Retry-After, and a
# 10,000-pod sync timing.
# Needs no root. Prints "ok NAME" or "FAIL NAME: why" per check, then
# "N passed, M failed".
set -uo pipefail
if [ -z "${K8S_CLIENT_INNER:-}" ]; then   # bound the whole run
	export K8S_CLIENT_INNER=1
	timeout -k 5 420 bash "$0" "$@"
	rc=$?
	[ $rc -eq 124 ] && echo "FAIL timeout: the suite ran over 420 s" && echo "0 passed, 1 failed"
	exit $rc
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/k8s
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
W=$(mktemp -d -t k8s_client.XXXXXX)
SRV_PID= SRV2_PID= DPID=
cleanup() {
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null
	for p in "$SRV_PID" "$SRV2_PID"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${K8S_CLIENT_KEEP:-}" ] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

passed=0 failed=0
ck() { # NAME GOT WANT
	if [ "$2" == "$3" ]; then
		echo "ok $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1: got '$2' want '$3'"
		failed=$((failed + 1))
	fi
}
ckt() { # NAME COMMAND...: ok when the command succeeds
	local name=$1; shift
	if "$@"; then
		echo "ok $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: $*"
		failed=$((failed + 1))
	fi
}
die_all() { echo "FAIL $1: $2"; echo "$passed passed, $((failed + 1)) failed"; exit 1; }

ctl() { # OP [JSON] (against $CTL)
	local body=${2-}
	[ -n "$body" ] || body='{}'
	curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$CTL/$1" >"$W/ctl.out" 2>&1 ||
		echo "control $1 failed: $(cat "$W/ctl.out")" >&2
}
wait_until() { # SECONDS COMMAND...
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}
start_server() { # STATE OUTFILE [PORT] -> sets SPID APORT CTL
	"$PY" "$here/fake_apiserver.py" --state "$1" --port "${3:-0}" --cert "$W/server.crt" --key "$W/server.key" \
		--token-file "$W/token" --bookmark-interval 1 >"$2" 2>"$2.err" &
	SPID=$!
	wait_until 20 grep -qs '^LISTENING ' "$2" || die_all start "no LISTENING line: $(tail -3 "$2.err")"
	read -r APORT CTL < <(sed -n 's/^LISTENING api=\([0-9]*\) control=\([0-9]*\)$/\1 \2/p' "$2")
}

# the driver as a coprocess: d CMD... prints its one-line answer
start_driver() { # API-URL [extra options]
	local url=$1; shift
	coproc DRV { exec "$W/drv" client --api "$url" --ca "$W/ca.crt" --token "$W/client_token" "$@" 2>>"$W/drv.err"; }
	DPID=$DRV_PID
}
d() {
	local l
	echo "$*" >&"${DRV[1]}" || { echo "(driver gone)"; return; }
	IFS= read -r -t 150 l <&"${DRV[0]}" || l="(no answer)"
	echo "$l"
}
stat_of() { local s; s=$(d stats); tr ' ' '\n' <<<"$s" | sed -n "s/^$1=//p"; }
forbidden_now() { stat_of forbidden_resources; }

# ---- build the driver from source (no dependency on the make state)
CF="-std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration -Werror=int-conversion ${K8S_CLIENT_EXTRA_CFLAGS:-}"
cc $CF -I"$root/include" -I"$root/user" -I"$root/user/enrich" -I"$root/user/encode" -I"$root/user/datapath" -o "$W/drv" "$root/tests/k8s/k8s_client_driver.c" "$root/tests/k8s/synth_pods.c" \
	"$root/user/enrich/k8s.c" "$root/user/enrich/k8s_config.c" "$root/user/enrich/k8s_ident.c" "$root/user/encode/json.c" "$root/user/log.c" -lcurl -ljson-c -lyaml -lpthread 2>"$W/cc.log" ||
	die_all build "$(tail -5 "$W/cc.log")"
echo "ok build"; passed=$((passed + 1))

bash "$here/make_certs.sh" "$W" >"$W/certs.log" 2>&1 || die_all certs "$(tail -3 "$W/certs.log")"
cp "$W/token" "$W/client_token"

# ---- 1. API down at start, then up on the same port
FREE=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_driver "https://127.0.0.1:$FREE" --grace 3 --idle 6 --timeout 3
ck down_not_synced "$(d sync 2)" "timeout"
ck down_counts_errors "$(d waitstat 5 errors '>=' 2)" "ok"
start_server "$here/state_example.json" "$W/srv.out" "$FREE"
SRV_PID=$SPID
API=https://127.0.0.1:$APORT
got=$(d sync 40)
ckt up_synced_after_backoff test "${got%% *}" == synced
ck watches_open "$(d waitstat 10 watches == 6)" "ok"
s=$(d stats)
ck initial_stats "$(sed 's/ errors=[0-9]*//' <<<"$s")" \
	"lists=6 watches=6 watch_events=0 relists_410=0 reconnects=0 auth_errors=0 pods=7 services=2 nodes=2 ip_entries=16 synced=1 forbidden=0 forbidden_resources=-"

# ---- 2. identities after the initial sync (exact)
WEB1='pod {"namespace":"shop","pod":{"name":"web-6d4cf56db6-7xk2p","uid":"4f11d8ad-fe8a-5f47-a3f0-8598f6e6486b"},"labels":{"app":"web","pod-template-hash":"6d4cf56db6"},"workload":{"kind":"Deployment","name":"web"},"service":{"name":"web"},"node":{"name":"node-a"},"service_account":"default"}'
DEBUG='pod {"namespace":"shop","pod":{"name":"debug","uid":"8430153a-91b2-5da9-9d63-82af20768ec6"},"labels":{"run":"debug"},"workload":{"kind":"Pod","name":"debug"},"node":{"name":"node-b"},"service_account":"default"}'
DB0='pod {"namespace":"shop","pod":{"name":"db-0","uid":"eae255a1-272b-5c08-9428-d9c69a13fbbc"},"labels":{"app":"db","apps.kubernetes.io/pod-index":"0","controller-revision-hash":"db-5c8b7d9f4b","statefulset.kubernetes.io/pod-name":"db-0"},"workload":{"kind":"StatefulSet","name":"db"},"service":{"name":"db"},"node":{"name":"node-a"},"service_account":"default"}'
REPORT='pod {"namespace":"shop","pod":{"name":"report-28589760-5vq8w","uid":"d44a1191-36df-528e-9d64-47bb702d3623"},"labels":{"batch.kubernetes.io/controller-uid":"294d78d8-2b43-5476-b212-8099999fd692","batch.kubernetes.io/job-name":"report-28589760","controller-uid":"294d78d8-2b43-5476-b212-8099999fd692","job-name":"report-28589760","app":"report"},"workload":{"kind":"CronJob","name":"report"},"node":{"name":"node-a"},"service_account":"default"}'
SVC='service {"namespace":"shop","service":{"name":"web"}}'
NODEA='node {"node":{"name":"node-a"}}'
NODEB='node {"node":{"name":"node-b"}}'
ck lookup_deployment_pod_v4 "$(d lookup 10.200.1.2)" "10.200.1.2 $WEB1"
ck lookup_deployment_pod_v6 "$(d lookup fd00:200:1::2)" "fd00:200:1::2 $WEB1"
ck lookup_bare_pod "$(d lookup 10.200.2.3)" "10.200.2.3 $DEBUG"
ck lookup_statefulset_pod "$(d lookup 10.200.1.3)" "10.200.1.3 $DB0"
ck lookup_cronjob_pod "$(d lookup fd00:200:1::4)" "fd00:200:1::4 $REPORT"
ck lookup_service_v4 "$(d lookup 10.96.120.15)" "10.96.120.15 $SVC"
ck lookup_service_v6 "$(d lookup fd00:10:96::7a3f)" "fd00:10:96::7a3f $SVC"
ck lookup_hostnetwork_is_node "$(d lookup 172.18.0.2)" "172.18.0.2 $NODEA"
ck lookup_node_v6 "$(d lookup fd00:172:18::3)" "fd00:172:18::3 $NODEB"
ck lookup_unknown "$(d lookup 10.9.9.9)" "10.9.9.9 none"
ck pod_by_uid "$(d uid eae255a1-272b-5c08-9428-d9c69a13fbbc)" "eae255a1-272b-5c08-9428-d9c69a13fbbc ${DB0#pod }"

# ---- 3. watch events
ctl modify '{"kind":"Pod","namespace":"shop","name":"web-6d4cf56db6-7xk2p","patch":{"metadata":{"labels":{"tier":"fe"}}}}'
ck modify_labels "$(d expect 10 10.200.1.2 "${WEB1/\"pod-template-hash\":\"6d4cf56db6\"/\"pod-template-hash\":\"6d4cf56db6\",\"tier\":\"fe\"}")" ok
ck watch_events_counted "$(d waitstat 5 watch_events == 1)" ok
newpod() { # NAME IP4 IP6 [LABEL]
	printf '{"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","namespace":"shop","uid":"uid-%s","labels":{"app":"%s"}},"spec":{"nodeName":"node-b","serviceAccountName":"probe","containers":[{"name":"c","image":"busybox"}]},"status":{"phase":"Running","podIP":"%s","podIPs":[{"ip":"%s"},{"ip":"%s"}]}}}' \
		"$1" "$1" "${4:-probe}" "$2" "$2" "$3"
}
pj() { # NAME [LABEL]: the rendered identity of newpod NAME
	printf 'pod {"namespace":"shop","pod":{"name":"%s","uid":"uid-%s"},"labels":{"app":"%s"},"workload":{"kind":"Pod","name":"%s"},"node":{"name":"node-b"},"service_account":"probe"}' \
		"$1" "$1" "${2:-probe}" "$1"
}
ctl add "$(newpod p1 10.200.5.1 fd00:200:5::1)"
ck add_pod "$(d expect 10 fd00:200:5::1 "$(pj p1)")" ok
ctl delete '{"kind":"Pod","namespace":"shop","name":"p1"}'
ck deleted_pod_within_grace "$(d expect 1 10.200.5.1 "$(pj p1)")" ok
ck deleted_pod_after_grace "$(d expect 8 10.200.5.1 none)" ok
ctl add "$(newpod p2 10.200.2.3 fd00:200:2::3)"   # debug's IPs, debug still there
ck ip_reuse_new_pod_wins "$(d expect 10 10.200.2.3 "$(pj p2)")" ok
ctl delete '{"kind":"Pod","namespace":"shop","name":"debug","graceful":true}'
sleep 1
ck ip_reuse_survives_old_delete "$(d lookup fd00:200:2::3)" "fd00:200:2::3 $(pj p2)"
ctl add "$(newpod p3 10.200.5.3 fd00:200:5::3 web)"
ck service_selector_match "$(d expect 10 10.200.5.3 "$(pj p3 web | sed 's/,"node"/,"service":{"name":"web"},"node"/')")" ok
ctl delete '{"kind":"Service","namespace":"shop","name":"web"}'
ck service_delete_rerenders "$(d expect 10 10.200.5.3 "$(pj p3 web)")" ok
ck service_ip_gone "$(d expect 5 10.96.120.15 none)" ok
ctl modify '{"kind":"ReplicaSet","namespace":"shop","name":"web-6d4cf56db6","patch":{"metadata":{"ownerReferences":null}}}'
ctl state
UIDQ=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print([p for p in d["objects"]["pods"] if p["metadata"]["name"]=="web-6d4cf56db6-q9zlm"][0]["metadata"]["uid"])' "$W/ctl.out")
ck replicaset_change_rerenders "$(d expect 10 10.200.2.2 'pod {"namespace":"shop","pod":{"name":"web-6d4cf56db6-q9zlm","uid":"'"$UIDQ"'"},"labels":{"app":"web","pod-template-hash":"6d4cf56db6"},"workload":{"kind":"ReplicaSet","name":"web-6d4cf56db6"},"node":{"name":"node-b"},"service_account":"default"}')" ok

# ---- 4. dropped watches, every mode: reconnect from the RV, no relist
for mode in abrupt rst partial clean; do
	r0=$(stat_of reconnects); l0=$(stat_of relists_410); w0=$(stat_of watches)
	ctl drop_watches "{\"mode\":\"$mode\"}"
	ck "drop_${mode}_reconnects" "$(d waitstat 10 reconnects == $((r0 + 6)))" ok
	ck "drop_${mode}_reopened" "$(d waitstat 10 watches == $((w0 + 6)))" ok
	ctl add "$(newpod "d-$mode" 10.200.6.$((${#mode})) fd00:200:6::$((${#mode})))"
	ck "drop_${mode}_converges" "$(d expect 10 10.200.6.$((${#mode})) "$(pj "d-$mode")")" ok
	ck "drop_${mode}_no_relist" "$(stat_of relists_410)" "$l0"
done

# ---- 5. 410 Gone: ERROR event, then HTTP 410, each a relist of all six
l0=$(stat_of relists_410); li0=$(stat_of lists)
ctl drop_watches '{"mode":"expired"}'
ck expired_event_relists "$(d waitstat 10 relists_410 == $((l0 + 6)))" ok
ck expired_event_lists_again "$(d waitstat 10 lists == $((li0 + 6)))" ok
ck expired_keeps_identity "$(d lookup 10.200.1.3)" "10.200.1.3 $DB0"
# a delete the watch never sees (watch failing, history compacted): the relist sweeps it
l0=$(stat_of relists_410)
ctl set_bookmark_interval '{"seconds":1000}'
ctl fail_next '{"count":100000,"status":503,"match":"/api/v1/pods"}'
ctl drop_watches '{"mode":"abrupt"}'
ctl delete '{"kind":"Pod","namespace":"shop","name":"p2"}'
ctl expire_before_rv '{}'
e0=$(stat_of errors)
ck failing_watch_counts_errors "$(d waitstat 10 errors '>=' $((e0 + 1)))" ok
ck missed_delete_not_seen_yet "$(d lookup 10.200.2.3)" "10.200.2.3 $(pj p2)"
ctl fail_next '{"count":0}'
ctl set_expired_mode '{"mode":"http"}'
ck http410_relists "$(d waitstat 40 relists_410 '>=' $((l0 + 1)))" ok
ck relist_sweeps_missed_delete "$(d expect 40 10.200.2.3 none)" ok
ck relist_keeps_others "$(d lookup 10.200.1.3)" "10.200.1.3 $DB0"
ctl set_expired_mode '{"mode":"event"}'
ctl set_bookmark_interval '{"seconds":1}'

# ---- 6. token rotation (both sides), then a wrong token: 401, recovery when the file is fixed
a0=$(stat_of auth_errors)
printf 'rotated-token-1' >"$W/t.new" && mv "$W/t.new" "$W/token"
printf 'rotated-token-1' >"$W/t.new" && mv "$W/t.new" "$W/client_token"
ctl drop_watches '{"mode":"abrupt"}'
ctl add "$(newpod rot1 10.200.7.1 fd00:200:7::1)"
ck rotation_converges "$(d expect 15 10.200.7.1 "$(pj rot1)")" ok
ck rotation_no_401 "$(stat_of auth_errors)" "$a0"
printf 'rotated-token-2' >"$W/t.new" && mv "$W/t.new" "$W/token"   # the client's is now wrong
ctl drop_watches '{"mode":"abrupt"}'
ck wrong_token_401 "$(d waitstat 10 auth_errors '>=' $((a0 + 1)))" ok
ctl add "$(newpod rot2 10.200.7.2 fd00:200:7::2)"
ck wrong_token_not_synced "$(d lookup 10.200.7.2)" "10.200.7.2 none"
# 8 s of 401s: an exponential backoff would be at 4 to 16 s by now; a 401
# is retried after ~1 s (0.75 to 1.25) instead, so the fix is seen within ~2 s
a1=$(stat_of auth_errors)
sleep 8
a2=$(stat_of auth_errors)
ckt wrong_token_retried_every_second test $((a2 - a1)) -ge 30
printf 'rotated-token-2' >"$W/t.new" && mv "$W/t.new" "$W/client_token"
t0=$(date +%s%N)
ck fixed_token_recovers_within_2s "$(d expect 2.2 10.200.7.2 "$(pj rot2)")" ok
echo "info: recovered $(( ($(date +%s%N) - t0) / 1000000 )) ms after the token file was fixed"

# ---- 7. a slow server (1.5 s per request) still converges
ctl set_delay_ms '{"ms":1500}'
ctl drop_watches '{"mode":"abrupt"}'
ctl add "$(newpod slow 10.200.8.1 fd00:200:8::1)"
ck delayed_server_converges "$(d expect 45 10.200.8.1 "$(pj slow)")" ok
ctl set_delay_ms '{"ms":0}'

# ---- 8. a watch that goes silent (no bookmarks, no events) is reconnected after --idle
ctl set_bookmark_interval '{"seconds":1000}'
r0=$(stat_of reconnects)
ck idle_watch_reconnected "$(d waitstat 20 reconnects '>=' $((r0 + 6)))" ok
ctl set_bookmark_interval '{"seconds":1}'

# ---- 9. prompt stop
got=$(d quit)
ms=${got#stopped }
ckt stop_under_1s test "${got%% *}" == stopped -a "${ms:-9999}" -lt 1000
wait "$DPID" 2>/dev/null
DPID=

# ---- 10. one sync through a YAML kubeconfig (CA inline as certificate-authority-data, tokenFile)
cat >"$W/kubeconfig.yaml" <<EOF
apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: $(base64 -w0 "$W/ca.crt")
    server: https://127.0.0.1:$APORT
  name: fake
contexts:
- context:
    cluster: fake
    user: nettrail
  name: nettrail@fake
current-context: nettrail@fake
users:
- name: nettrail
  user:
    tokenFile: $W/client_token
EOF
coproc DRV { exec "$W/drv" client --kubeconfig "$W/kubeconfig.yaml" 2>>"$W/drv.err"; }
DPID=$DRV_PID
got=$(d sync 20)
ckt kubeconfig_yaml_synced test "${got%% *}" == synced
ck kubeconfig_yaml_lookup "$(d lookup 10.200.1.3)" "10.200.1.3 $DB0"
ck kubeconfig_yaml_no_errors "$(stat_of auth_errors)/$(stat_of errors)" "0/0"
d quit >/dev/null
wait "$DPID" 2>/dev/null
DPID=

# ---- 11. 403 (RBAC): the resource is forbidden, logged once, counted as synced, retried
# (--forbidden-retry 3 here; 60 s by default); identities work without it
ctl modify '{"kind":"ReplicaSet","namespace":"shop","name":"web-6d4cf56db6","patch":{"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"d1","controller":true}]}}}'
ctl fail_next '{"count":100000,"status":403,"match":"/apis/apps/v1/replicasets"}'
: >"$W/drv.err"
start_driver "$API" --forbidden-retry 3
got=$(d sync 20)
ckt forbidden_counts_as_synced test "${got%% *}" == synced
ck forbidden_resource_flagged "$(forbidden_now)" replicasets
ck forbidden_mask "$(d waitstat 0 forbidden_mask == 4)" ok
ck forbidden_retried "$(d waitstat 8 forbidden '>=' 2)" ok
RSLINE='nettrail: kubernetes: list replicasets.apps forbidden: add get/list/watch on replicasets in group apps to the ClusterRole (retrying every 3 s)'
ck forbidden_logged_once "$(grep -cxF "$RSLINE" "$W/drv.err")/$(grep -c forbidden "$W/drv.err")" "1/1"
WEBNOW=$(sed 's/"pod-template-hash":"6d4cf56db6"/&,"tier":"fe"/; s/"service":{"name":"web"},//' <<<"$WEB1")
ck forbidden_pod_without_replicasets "$(d lookup 10.200.1.2)" \
	"10.200.1.2 $(sed 's/"workload":{"kind":"Deployment","name":"web"}/"workload":{"kind":"ReplicaSet","name":"web-6d4cf56db6"}/' <<<"$WEBNOW")"
ck forbidden_no_errors "$(stat_of errors)" 0
ctl fail_next '{"count":0}'   # RBAC fixed
ck rbac_fixed_deployment_back "$(d expect 6 10.200.1.2 "$WEBNOW")" ok
ck rbac_fixed_flag_cleared "$(forbidden_now)" -
ck rbac_fixed_logged "$(grep -cxF 'nettrail: kubernetes: list replicasets.apps allowed now' "$W/drv.err")" 1
# a resource that worked answering 403, as a restarting apiserver does until its
# RBAC authorizer has the roles: retried at 0.5 s then 1 s, neither flagged nor logged
f0=$(stat_of forbidden) w0=$(stat_of watches)
ctl fail_next '{"count":2,"status":403,"match":"/apis/batch/v1/jobs"}'
ctl drop_watches '{"mode":"abrupt"}'
ck forbidden_transient "$(d waitstat 10 forbidden == $((f0 + 2)))" ok
ck forbidden_transient_all_six_back "$(d waitstat 5 watches '>=' $((w0 + 6)))" ok
ck forbidden_transient_not_flagged "$(forbidden_now)" -
ck forbidden_transient_not_logged "$(grep -c 'jobs.batch forbidden' "$W/drv.err")" 0
# a watch that keeps getting 403 (the watch verb missing): believed after five
# quick retries (0.5 + 1 + 2 + 4 + 8 s), named as such, recovered the same way
f0=$(stat_of forbidden)
ctl fail_next '{"count":6,"status":403,"match":"/apis/batch/v1/jobs"}'
ctl drop_watches '{"mode":"abrupt"}'
ck forbidden_watch "$(d waitstat 30 forbidden == $((f0 + 6)))" ok
ck forbidden_watch_flag "$(forbidden_now)" jobs
ck forbidden_watch_logged "$(grep -cxF 'nettrail: kubernetes: watch jobs.batch forbidden: add get/list/watch on jobs in group batch to the ClusterRole (retrying every 3 s)' "$W/drv.err")" 1
ck forbidden_watch_recovers "$(d waitstat 10 forbidden_mask == 0)" ok
ck forbidden_watch_allowed_logged "$(grep -cxF 'nettrail: kubernetes: watch jobs.batch allowed now' "$W/drv.err")" 1
ck forbidden_watch_still_synced "$(stat_of synced)" 1
d quit >/dev/null
wait "$DPID" 2>/dev/null
DPID=
sed -i '/forbidden\|allowed now/d' "$W/drv.err"

# ---- 12. 429 with Retry-After: 1 on the first six lists of jobs: retried after ~1 s each
# (6 to 6.6 s in all; the exponential backoff would take 15.75 s at least)
ctl fail_next '{"count":6,"status":429,"match":"/apis/batch/v1/jobs"}'
start_driver "$API"
got=$(d sync 30)
ms=${got#synced }
ckt retry_after_429_synced test "${got%% *}" == synced
ckt retry_after_429_honoured test "${ms:-0}" -ge 5900 -a "${ms:-99999}" -le 9500
echo "info: six 429 answers with Retry-After: 1, then synced in ${ms} ms"
ck retry_after_429_errors "$(stat_of errors)" 6
ctl stats
ck retry_after_429_all_used "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["fail_next_remaining"])' "$W/ctl.out")" 0
d quit >/dev/null
wait "$DPID" 2>/dev/null
DPID=

# ---- 13. 10,000 pods: full sync time
"$PY" - "$here/state_example.json" "$W/big.json" 10000 <<'EOF'
import copy, json, sys
src = json.load(open(sys.argv[1]))
n = int(sys.argv[3])
tmpl = next(o for o in src["items"] if o["kind"] == "Pod" and o["metadata"]["name"].startswith("web-"))
items = [o for o in src["items"] if o["kind"] != "Pod"]
for i in range(n):
    p = copy.deepcopy(tmpl)
    p["metadata"]["name"] = f"web-6d4cf56db6-{i:06d}"
    p["metadata"].pop("uid", None)
    ip4 = f"10.{64 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}"
    p["status"]["podIP"] = ip4
    p["status"]["podIPs"] = [{"ip": ip4}, {"ip": f"fd00:64::{i >> 16:x}:{i & 0xffff:x}"}]
    items.append(p)
json.dump({"metadata": src.get("metadata", {}), "items": items}, open(sys.argv[2], "w"))
EOF
start_server "$W/big.json" "$W/srv2.out"
SRV2_PID=$SPID
start_driver "https://127.0.0.1:$APORT"
got=$(d sync 120)
ckt big_synced test "${got%% *}" == synced
echo "info: 10000-pod full sync: ${got#synced } ms (from nt_k8s_start to synced)"
ck big_pod_count "$(stat_of pods)" 10000
ck big_ip_entries "$(stat_of ip_entries)" 20006
want='10.64.39.15 pod {"namespace":"shop","pod":{"name":"web-6d4cf56db6-009999","uid":"'
got=$(d lookup 10.64.39.15)
ck big_lookup "${got:0:${#want}}" "$want"
got=$(d quit)
wait "$DPID" 2>/dev/null
DPID=

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
