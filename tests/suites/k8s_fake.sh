#!/usr/bin/env bash
# Self-test of tests/k8s/fake_apiserver.py, the fake Kubernetes API server that
# the Kubernetes enrichment tests run against: certificates, bearer tokens, list,
# chunked list, watch (ADDED/MODIFIED/DELETED/BOOKMARK), dropped watches, 410 Gone,
# injected failures, delays and token rotation, all checked with curl.
# Prints "ok NAME" or "FAIL NAME: why" per check, then "N passed, M failed".
set -uo pipefail
if [ -z "${K8S_FAKE_SELFTEST_INNER:-}" ]; then   # bound the whole run
	export K8S_FAKE_SELFTEST_INNER=1
	timeout -k 5 180 bash "$0" "$@"
	rc=$?
	[ $rc -eq 124 ] && echo "FAIL timeout: the self-test ran over 180 s" && echo "0 passed, 1 failed"
	exit $rc
fi

here=$(cd "$(dirname "$0")/../k8s" && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
W=$(mktemp -d -t k8s_fake.XXXXXX)
SRV_PID=
cleanup() {
	local f
	for f in "$W"/*.pid; do [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null; done   # our background curls
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

passed=0 failed=0
run() { # NAME FUNCTION: the function prints why on failure
	local name=$1 out
	if out=$("$2" 2>&1); then
		echo "ok $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: $(tail -n 4 <<<"$out" | tr '\n' ' ' | sed 's/ *$//')"
		failed=$((failed + 1))
	fi
}
die_all() { echo "FAIL $1: $2"; echo "0 passed, 1 failed"; exit 1; }

# ---- helpers
kc() { curl -sS --max-time 10 --cacert "$W/ca.crt" -H "Authorization: Bearer $(cat "$W/token")" "$@"; }
ctl() { # OP [JSON]
	local body=${2-}
	[ -n "$body" ] || body='{}'
	curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$CTL/$1"
}
jcheck() { # FILE PYTHON: run PYTHON with d = the JSON in FILE; a failing assert says why
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except ValueError as e:
    print(f"{sys.argv[1]}: not JSON: {e}: {open(sys.argv[1], errors='replace').read()[:200]!r}")
    sys.exit(1)
try:
    exec(sys.argv[2], {"d": d, "json": json})
except AssertionError as e:
    print(str(e) or "assertion failed")
    sys.exit(1)
EOF
}
jlines() { # FILE PYTHON: evs = one JSON object per line of FILE (a watch stream)
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
raw = open(sys.argv[1]).read()
try:
    evs = [json.loads(l) for l in raw.splitlines() if l.strip()]
except ValueError as e:
    print(f"watch stream line not JSON: {e}: {raw[:300]!r}")
    sys.exit(1)
try:
    exec(sys.argv[2], {"evs": evs, "raw": raw, "json": json})
except AssertionError as e:
    print(str(e) or "assertion failed")
    sys.exit(1)
EOF
}
jget() { "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
wait_until() { # SECONDS COMMAND...: poll every 0.1 s
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}
active_watches() { ctl stats | jget 'd["active_watches"]'; }
watches_at_least() { [ "$(active_watches)" -ge "$1" ]; }
watches_exactly() { [ "$(active_watches)" -eq "$1" ]; }
list_rv() { kc "$API/api/v1/pods" | jget 'd["metadata"]["resourceVersion"]'; }
pod_json() { # NAME NODE PHASE [IP4 IP6]
	local st='"phase":"'$3'"'
	[ -n "${4-}" ] && st+=',"podIP":"'$4'","podIPs":[{"ip":"'$4'"},{"ip":"'$5'"}]'
	printf '{"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","namespace":"shop","labels":{"app":"probe"}},"spec":{"nodeName":"%s","containers":[{"name":"c","image":"busybox:1.36"}]},"status":{%s}}}' \
		"$1" "$2" "$st"
}
bg_watch() { # OUT URL-SUFFIX: a streaming curl in the background; sets WPID; OUT.rc gets its exit code
	rm -f "$1.rc"
	local tok
	tok=$(cat "$W/token")
	( curl -sS -N --max-time 30 --cacert "$W/ca.crt" -H "Authorization: Bearer $tok" -D "$1.h" "$API$2" >"$1" 2>"$1.err" &
	  echo $! >"$1.pid"; wait $!; echo $? >"$1.rc" ) &
	wait_until 2 test -s "$1.pid"
	WPID=$(cat "$1.pid")
}

# ---- start the server
bash "$here/make_certs.sh" "$W" >"$W/certs.log" 2>&1 || die_all certs "$(tail -3 "$W/certs.log")"
"$PY" "$here/fake_apiserver.py" --state "$here/state_example.json" --port 0 --cert "$W/server.crt" \
	--key "$W/server.key" --token-file "$W/token" --bookmark-interval 1 >"$W/server.out" 2>"$W/server.err" &
SRV_PID=$!
wait_until 10 grep -q '^LISTENING ' "$W/server.out" || die_all start "no LISTENING line: $(tail -3 "$W/server.err")"
read -r APORT CTL < <(sed -n 's/^LISTENING api=\([0-9]*\) control=\([0-9]*\)$/\1 \2/p' "$W/server.out")
[ -n "${APORT:-}" ] && [ -n "${CTL:-}" ] || die_all start "bad LISTENING line: $(cat "$W/server.out")"
API=https://127.0.0.1:$APORT

# ---- checks
t_tls() {
	curl -sS --max-time 5 -o /dev/null "$API/healthz" 2>/dev/null && { echo "an unknown CA was trusted"; return 1; }
	local body
	body=$(kc "https://localhost:$APORT/version") || { echo "localhost with --cacert failed"; return 1; }
	grep -q '"gitVersion"' <<<"$body" || { echo "no version: $body"; return 1; }
}
t_401_wrong_token() {
	local code
	code=$(curl -sS --max-time 5 -o "$W/401.json" -w '%{http_code}' --cacert "$W/ca.crt" \
		-H "Authorization: Bearer x$(cat "$W/token")" "$API/api/v1/pods") || return 1
	[ "$code" = 401 ] || { echo "HTTP $code"; return 1; }
	jcheck "$W/401.json" 'assert d == {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}, d'
}
t_401_no_token() {
	local code
	code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' --cacert "$W/ca.crt" "$API/api/v1/pods") || return 1
	[ "$code" = 401 ] || { echo "HTTP $code"; return 1; }
}
t_list_pods() {
	kc -o "$W/pods.json" -w '%{http_code}\n' "$API/api/v1/pods" | grep -qx 200 || { echo "not 200"; return 1; }
	jcheck "$W/pods.json" '
assert d["kind"] == "PodList" and d["apiVersion"] == "v1", (d.get("kind"), d.get("apiVersion"))
rv = d["metadata"]["resourceVersion"]
assert isinstance(rv, str) and rv.isdigit(), rv
items = d["items"]
assert len(items) == 7, len(items)
assert all("kind" not in p and "apiVersion" not in p for p in items), "list items carry kind/apiVersion"
assert len({p["metadata"]["uid"] for p in items}) == 7
assert all(int(p["metadata"]["resourceVersion"]) <= int(rv) for p in items)
dual = [p for p in items if len(p["status"].get("podIPs", [])) == 2 and ":" in p["status"]["podIPs"][1]["ip"]]
assert len(dual) == 7, "not every pod is dual-stack"
host = [p for p in items if p["spec"].get("hostNetwork")]
assert len(host) == 2 and all(p["status"]["podIP"] == p["status"]["hostIP"] for p in host), "hostNetwork pods"
owners = {p["metadata"]["name"]: [o["kind"] for o in p["metadata"].get("ownerReferences", [])] for p in items}
assert owners["debug"] == [] and owners["db-0"] == ["StatefulSet"], owners
assert sorted(sum(owners.values(), [])) == ["DaemonSet","DaemonSet","Job","ReplicaSet","ReplicaSet","StatefulSet"], owners
'
}
t_list_groups() {
	kc "$API/api/v1/namespaces/shop/pods" >"$W/shop.json" &&
		jcheck "$W/shop.json" 'assert len(d["items"]) == 5 and all(p["metadata"]["namespace"] == "shop" for p in d["items"]), d["items"]' || return 1
	kc "$API/apis/apps/v1/replicasets" >"$W/rs.json" &&
		jcheck "$W/rs.json" 'assert d["kind"] == "ReplicaSetList" and d["apiVersion"] == "apps/v1"; assert [o["kind"] for o in d["items"][0]["metadata"]["ownerReferences"]] == ["Deployment"]' || return 1
	kc "$API/apis/batch/v1/namespaces/shop/jobs" >"$W/jobs.json" &&
		jcheck "$W/jobs.json" 'assert d["kind"] == "JobList"; assert d["items"][0]["metadata"]["ownerReferences"][0]["kind"] == "CronJob"' || return 1
	kc "$API/api/v1/nodes" >"$W/nodes.json" &&
		jcheck "$W/nodes.json" 'assert len(d["items"]) == 2; assert all(any(a["type"] == "InternalIP" for a in n["status"]["addresses"]) for n in d["items"])' || return 1
	kc "$API/api/v1/services" >"$W/svc.json" &&
		jcheck "$W/svc.json" 'assert sorted(len(s["spec"]["clusterIPs"]) for s in d["items"]) == [1, 2]; assert all(s["spec"]["selector"] for s in d["items"])' || return 1
	for p in api/v1/namespaces apis/apps/v1/deployments apis/apps/v1/statefulsets apis/apps/v1/daemonsets \
		apis/batch/v1/cronjobs apis/discovery.k8s.io/v1/endpointslices; do
		kc "$API/$p" >"$W/g.json" && jcheck "$W/g.json" 'assert d["kind"].endswith("List") and d["items"], d' || { echo "/$p"; return 1; }
	done
	local code
	code=$(kc -o /dev/null -w '%{http_code}' "$API/api/v1/deployments")
	[ "$code" = 404 ] || { echo "/api/v1/deployments: HTTP $code, want 404"; return 1; }
}
t_field_selector() {
	kc "$API/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a" >"$W/fs.json" || return 1
	jcheck "$W/fs.json" 'n = [p["spec"]["nodeName"] for p in d["items"]]; assert len(n) == 4 and set(n) == {"node-a"}, n' || return 1
	local code
	code=$(kc -o "$W/fs400.json" -w '%{http_code}' "$API/api/v1/pods?fieldSelector=spec.bogus%3Dx")
	[ "$code" = 400 ] || { echo "unsupported field: HTTP $code"; return 1; }
	jcheck "$W/fs400.json" 'assert d["reason"] == "BadRequest", d'
}
t_chunked_list() {
	kc "$API/api/v1/pods" >"$W/all.json" || return 1
	local cont="" i=0 url
	while :; do
		url="$API/api/v1/pods?limit=2"
		[ -n "$cont" ] && url+="&continue=$cont"
		kc "$url" >"$W/page$i.json" || return 1
		cont=$(jget 'd["metadata"].get("continue", "")' <"$W/page$i.json")
		i=$((i + 1))
		[ -z "$cont" ] && break
		[ $i -gt 10 ] && { echo "more than 10 pages"; return 1; }
	done
	"$PY" - "$W" "$i" <<'EOF'
import json, sys
w, n = sys.argv[1], int(sys.argv[2])
full = json.load(open(f"{w}/all.json"))
pages = [json.load(open(f"{w}/page{i}.json")) for i in range(n)]
names = [p["metadata"]["namespace"] + "/" + p["metadata"]["name"] for pg in pages for p in pg["items"]]
want = sorted(p["metadata"]["namespace"] + "/" + p["metadata"]["name"] for p in full["items"])
rvs = {pg["metadata"]["resourceVersion"] for pg in pages}
ok = (n == 4 and sorted(names) == want and len(names) == len(set(names)) and len(rvs) == 1
      and all(len(pg["items"]) <= 2 for pg in pages)
      and [pg["metadata"].get("remainingItemCount") for pg in pages] == [5, 3, 1, None])
if not ok:
    print(f"pages={n} names={names} rvs={rvs} remaining={[pg['metadata'].get('remainingItemCount') for pg in pages]}")
    sys.exit(1)
EOF
}
t_watch() {
	local rv r1 r2 r3
	rv=$(list_rv) || return 1
	bg_watch "$W/watch.out" "/api/v1/namespaces/shop/pods?watch=1&resourceVersion=$rv&allowWatchBookmarks=true&timeoutSeconds=20"
	wait_until 5 watches_at_least 1 || { echo "the watch never became active"; return 1; }
	r1=$(ctl add "$(pod_json probe-1 node-a Pending)" | jget 'd["resourceVersion"]') || return 1
	r2=$(ctl modify '{"kind":"Pod","namespace":"shop","name":"probe-1","patch":{"status":{"phase":"Running","podIP":"10.200.1.50","podIPs":[{"ip":"10.200.1.50"},{"ip":"fd00:200:1::50"}]}}}' |
		jget 'd["resourceVersion"]') || return 1
	r3=$(ctl delete '{"kind":"Pod","namespace":"shop","name":"probe-1"}' | jget 'd["resourceVersion"]') || return 1
	# a BOOKMARK at or after the deletion arrives within the 1 s bookmark interval
	wait_until 8 "$PY" -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(not any(e["type"] == "BOOKMARK" and int(e["object"]["metadata"]["resourceVersion"]) >= int(sys.argv[2]) for e in evs))' \
		"$W/watch.out" "$r3" || { echo "no BOOKMARK after the events: $(cut -c1-80 "$W/watch.out")"; return 1; }
	kill "$WPID" 2>/dev/null
	grep -qi '^transfer-encoding: chunked' "$W/watch.out.h" || { echo "not chunked: $(cat "$W/watch.out.h")"; return 1; }
	jlines "$W/watch.out" "
r1, r2, r3 = '$r1', '$r2', '$r3'
assert raw.endswith('\n'), 'events are newline terminated'
mine = [(e['type'], e['object']['metadata']['resourceVersion']) for e in evs if e['object']['metadata'].get('name') == 'probe-1']
assert mine == [('ADDED', r1), ('MODIFIED', r2), ('DELETED', r3)], mine
assert all(e['object']['kind'] == 'Pod' and e['object']['apiVersion'] == 'v1' for e in evs)
mod = [e for e in evs if e['type'] == 'MODIFIED'][0]['object']
assert [i['ip'] for i in mod['status']['podIPs']] == ['10.200.1.50', 'fd00:200:1::50'], mod['status']
bm = [e for e in evs if e['type'] == 'BOOKMARK']
assert bm and set(bm[-1]['object']['metadata']) <= {'resourceVersion', 'creationTimestamp'}, bm[-1]
rvs = [int(e['object']['metadata']['resourceVersion']) for e in evs]
assert rvs == sorted(rvs), ('resource versions go backwards', rvs)
"
}
t_watch_field_selector() {
	# a pod created unscheduled shows up on a node-a watch only once it is bound to node-a
	local rv r1
	rv=$(list_rv) || return 1
	bg_watch "$W/wfs.out" "/api/v1/pods?watch=true&resourceVersion=$rv&fieldSelector=spec.nodeName%3Dnode-a&timeoutSeconds=20"
	wait_until 5 watches_at_least 1 || { echo "the watch never became active"; return 1; }
	ctl add "$(pod_json probe-2 "" Pending)" >/dev/null || return 1
	r1=$(ctl modify '{"kind":"Pod","namespace":"shop","name":"probe-2","patch":{"spec":{"nodeName":"node-a"}}}' | jget 'd["resourceVersion"]')
	ctl delete '{"kind":"Pod","namespace":"shop","name":"probe-2"}' >/dev/null || return 1
	wait_until 5 grep -q DELETED "$W/wfs.out" || { echo "no DELETED: $(cut -c1-80 "$W/wfs.out")"; return 1; }
	kill "$WPID" 2>/dev/null
	jlines "$W/wfs.out" "
t = [(e['type'], e['object']['metadata']['resourceVersion']) for e in evs]
assert len(t) == 2 and t[0] == ('ADDED', '$r1') and t[1][0] == 'DELETED', t
"
}
t_watch_timeout() {
	local t0=$SECONDS rc
	kc -N "$API/api/v1/pods?watch=1&resourceVersion=$(list_rv)&timeoutSeconds=1" >"$W/wto.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { echo "curl exit $rc (want a clean end of the chunked stream)"; return 1; }
	[ $((SECONDS - t0)) -le 4 ] || { echo "took $((SECONDS - t0)) s"; return 1; }
}
t_drop_watches() {
	local rc
	wait_until 5 watches_exactly 0 || { echo "stale watches"; return 1; }
	bg_watch "$W/drop.out" "/api/v1/pods?watch=1&resourceVersion=$(list_rv)&allowWatchBookmarks=true"
	wait_until 5 watches_at_least 1 || { echo "the watch never became active"; return 1; }
	wait_until 5 grep -q BOOKMARK "$W/drop.out" || { echo "no event before the drop"; return 1; }
	ctl drop_watches '{"mode":"abrupt"}' >"$W/drop.json" || return 1
	wait_until 3 test -s "$W/drop.out.rc" || { echo "curl still streaming 3 s after drop_watches"; return 1; }
	rc=$(cat "$W/drop.out.rc")
	# no terminating chunk: curl reports a partial transfer (18) or a receive error (56)
	[ $rc -eq 18 ] || [ $rc -eq 56 ] || { echo "curl exit $rc: $(cat "$W/drop.out.err")"; return 1; }
	jcheck "$W/drop.json" 'assert d["dropped"] >= 1 and d["still_active"] == 0, d' || return 1
	watches_exactly 0 || { echo "active_watches is not 0"; return 1; }
}
t_expired() {
	local old page rc code
	old=$(list_rv) || return 1
	kc "$API/api/v1/pods?limit=2" >"$W/p1.json" || return 1
	page=$(jget 'd["metadata"]["continue"]' <"$W/p1.json")
	ctl add "$(pod_json probe-3 node-b Running 10.200.2.60 fd00:200:2::60)" >/dev/null || return 1
	ctl delete '{"kind":"Pod","namespace":"shop","name":"probe-3"}' >/dev/null || return 1
	ctl expire_before_rv >"$W/exp.json" || return 1
	jcheck "$W/exp.json" "assert int(d['compactedResourceVersion']) > $old, d" || return 1
	# a watch from the old RV: 200, one ERROR event with a 410 Expired Status, then the stream ends
	kc -N --max-time 5 -D "$W/w410.h" "$API/api/v1/pods?watch=1&resourceVersion=$old&allowWatchBookmarks=true" >"$W/w410.out"
	rc=$?
	[ $rc -eq 0 ] || { echo "expired watch: curl exit $rc (the stream should end by itself)"; return 1; }
	jlines "$W/w410.out" '
assert len(evs) == 1 and evs[0]["type"] == "ERROR", evs
s = evs[0]["object"]
assert s["kind"] == "Status" and s["code"] == 410 and s["reason"] == "Expired" and s["status"] == "Failure", s
assert "too old resource version" in s["message"], s' || return 1
	# the continue token from before the compaction: HTTP 410 with a fresh token
	code=$(kc -o "$W/c410.json" -w '%{http_code}' "$API/api/v1/pods?limit=2&continue=$page")
	[ "$code" = 410 ] || { echo "stale continue: HTTP $code"; return 1; }
	jcheck "$W/c410.json" 'assert d["reason"] == "Expired" and d["code"] == 410 and d["metadata"].get("continue"), d' || return 1
	# the same watch with HTTP 410 instead of an ERROR event
	ctl set_expired_mode '{"mode":"http"}' >/dev/null
	code=$(kc -o "$W/h410.json" -w '%{http_code}' "$API/api/v1/pods?watch=1&resourceVersion=$old")
	ctl set_expired_mode '{"mode":"event"}' >/dev/null
	[ "$code" = 410 ] || { echo "http mode: HTTP $code"; return 1; }
	jcheck "$W/h410.json" 'assert d["kind"] == "Status" and d["code"] == 410, d'
}
t_fail_next() {
	local codes="" i
	ctl fail_next '{"count":2,"status":503}' >/dev/null || return 1
	for i in 1 2 3; do codes+="$(kc -o "$W/f$i.json" -w '%{http_code}' "$API/api/v1/pods") "; done
	[ "$codes" = "503 503 200 " ] || { echo "codes: $codes"; return 1; }
	jcheck "$W/f1.json" 'assert d["kind"] == "Status" and d["code"] == 503 and d["reason"] == "ServiceUnavailable", d'
}
t_delay() {
	local t
	ctl set_delay_ms '{"ms":600}' >/dev/null || return 1
	t=$(kc -o /dev/null -w '%{time_total}' "$API/api/v1/pods")
	ctl set_delay_ms '{"ms":0}' >/dev/null
	"$PY" -c 'import sys; sys.exit(not float(sys.argv[1]) >= 0.55)' "$t" || { echo "took $t s"; return 1; }
}
t_token_rotation() {
	local old new c1 c2
	old=$(cat "$W/token")
	new="rotated-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	printf '%s' "$new" >"$W/token.tmp" && mv "$W/token.tmp" "$W/token"   # atomic, like a kubelet token refresh
	c1=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' --cacert "$W/ca.crt" -H "Authorization: Bearer $old" "$API/api/v1/pods")
	c2=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' --cacert "$W/ca.crt" -H "Authorization: Bearer $new" "$API/api/v1/pods")
	[ "$c1" = 401 ] && [ "$c2" = 200 ] || { echo "old token $c1 (want 401), new token $c2 (want 200)"; return 1; }
}
t_stats() {
	ctl stats >"$W/stats.json" || return 1
	jcheck "$W/stats.json" '
assert d["requests"].get("/api/v1/pods", 0) >= 10, d["requests"]
assert d["requests_by_verb"].get("watch /api/v1/pods", 0) >= 3, d["requests_by_verb"]
assert d["unauthorized"] >= 3 and d["injected_failures"] == 2, d
assert d["active_watches"] == 0, d["watches"]'
}

run tls_ca_and_san t_tls
run unauthorized_wrong_token t_401_wrong_token
run unauthorized_no_token t_401_no_token
run list_pods t_list_pods
run list_kinds_and_groups t_list_groups
run field_selector t_field_selector
run chunked_list t_chunked_list
run watch_added_modified_deleted_bookmark t_watch
run watch_field_selector_transition t_watch_field_selector
run watch_timeout_clean_end t_watch_timeout
run drop_watches t_drop_watches
run expired_rv_410 t_expired
run fail_next t_fail_next
run set_delay_ms t_delay
run token_rotation t_token_rotation
run stats t_stats

if ! kill -0 "$SRV_PID" 2>/dev/null; then
	echo "FAIL server_alive: the fake API server died: $(tail -3 "$W/server.err")"
	failed=$((failed + 1))
elif [ -s "$W/server.err" ]; then
	echo "FAIL server_stderr: $(head -5 "$W/server.err" | tr '\n' ' ')"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
