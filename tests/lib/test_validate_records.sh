#!/usr/bin/env bash
# Tests validate_records.py: the hand-written samples pass, and each broken
# record (one rule per case) is rejected with exit 1 and an error naming it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-/usr/bin/python3}        # Debian's, with python3-jsonschema
validator=$here/validate_records.py
# flow.jsonl lines: 1 tcp/v4 SF, 2 udp/v6, 3 icmp, 4 tcp active report 2, 5 portless
# udp fragments, 6 protocol 253 over v6, 7 tcp REJ, 8 report 1 of line 4's flow
flows=$here/samples/flow.jsonl
hbs=$here/samples/heartbeat.jsonl
# dns.jsonl lines: 1 udp/v4 A through a CNAME chain, 2 NXDOMAIN answer without its
# query, 3 unanswered query, 4 tcp/v6 AAAA answers
dnss=$here/samples/dns.jsonl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# accept NAME EXPECTED_STDOUT FILE...: exit 0 and exactly this summary line
accept() {
	local name=$1 want=$2 out rc=0
	shift 2
	out=$("$py" "$validator" "$@" 2>"$tmp/err") || rc=$?
	if [[ $rc == 0 && $out == "$want" ]]; then passed=$((passed + 1))
	else fail "$name: rc=$rc out='$out' $(head -3 "$tmp/err")"; fi
}

# reject NAME EXPECTED_STDERR_TEXT FILE...: exit 1 and the reason on stderr
reject() {
	local name=$1 want=$2 rc=0
	shift 2
	"$py" "$validator" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [[ $rc == 1 ]] && grep -qF -- "$want" "$tmp/err"; then passed=$((passed + 1))
	else fail "$name: rc=$rc, wanted '$want' in: $(head -3 "$tmp/err")"; fi
}

# edit FILE LINE PYTHON: print that line's record r after running PYTHON on it
edit() {
	sed -n "${2}p" "$1" | "$py" -c '
import json, sys
r = json.loads(sys.stdin.read())
f, n, s, d, nt = r.get("event"), r.get("network"), r.get("source"), r.get("destination"), r["nettrail"]
q = r.get("dns")
exec(sys.argv[1])
print(json.dumps(r))' "$3"
}

# mutate NAME EXPECTED FILE LINE PYTHON: that line, edited, must be rejected
mutate() {
	edit "$3" "$4" "$5" >"$tmp/case.jsonl"
	reject "$1" "$2" "$tmp/case.jsonl"
}

# --- valid input -------------------------------------------------------------
accept "samples" "validated 14 records (flow=8 heartbeat=2 dns=4)" "$flows" "$hbs" "$dnss"
accept "stdin" "validated 8 records (flow=8 heartbeat=0 dns=0)" - <"$flows"
edit "$dnss" 3 'q["question"]["name"] = "."; q["question"]["type"] = "NS"; q["question"]["class"] = "CLASS254"' >"$tmp/root.jsonl"
accept "dns root name and numbered class" "validated 1 records (flow=0 heartbeat=0 dns=1)" "$tmp/root.jsonl"
edit "$dnss" 1 'q["answers"][1]["data"] = q["resolved_ip"][0] = "::ffff:93.184.215.14"; q["answers"][1]["type"] = "AAAA"' >"$tmp/mapped.jsonl"
accept "dns IPv4-mapped AAAA" "validated 1 records (flow=0 heartbeat=0 dns=1)" "$tmp/mapped.jsonl"

# --- required fields ---------------------------------------------------------
mutate "missing @timestamp" "'@timestamp' is a required property" "$flows" 1 'del r["@timestamp"]'
mutate "missing source.ip" '$.source: '"'ip'"' is a required property' "$flows" 1 'del s["ip"]'
mutate "missing destination.bytes" "'bytes' is a required property" "$flows" 1 'del d["bytes"]'
mutate "missing network.community_id" "'community_id' is a required property" "$flows" 1 'del n["community_id"]'
mutate "missing event.duration" "'duration' is a required property" "$flows" 1 'del f["duration"]'
mutate "missing observer.hostname" "'hostname' is a required property" "$flows" 1 'del r["observer"]["hostname"]'
mutate "missing nettrail.flow.start" "'start' is a required property" "$flows" 1 'del nt["flow"]["start"]'
mutate "missing end_reason" "'end_reason' is a required property" "$flows" 1 'del nt["flow"]["end_reason"]'
mutate "missing observer.hook" "'hook' is a required property" "$flows" 1 'del nt["observer"]["hook"]'
mutate "missing tcp on a tcp flow" "'tcp' is a required property" "$flows" 1 'del nt["tcp"]'
mutate "missing heartbeat counter" "'ringbuf_full' is a required property" "$hbs" 1 \
	'del nt["heartbeat"]["counters"]["ringbuf_full"]'
mutate "empty cluster name" '$.orchestrator.cluster.name' "$flows" 1 'r["orchestrator"]["cluster"]["name"] = ""'

# --- constants and patterns --------------------------------------------------
mutate "schema_version" '$.nettrail.schema_version' "$flows" 1 'nt["schema_version"] = "1.0.1"'
mutate "record_id pattern" '$.nettrail.record_id' "$flows" 1 'nt["record_id"] = "abc-1"'
mutate "record_id sequence 0" '$.nettrail.record_id' "$flows" 1 'nt["record_id"] = nt["record_id"].split("-")[0] + "-0"'
mutate "flow.id pattern" '$.nettrail.flow.id' "$flows" 1 'nt["flow"]["id"] = "00000000000000XY"'
mutate "report_seq 0" '$.nettrail.flow.report_seq' "$flows" 1 'nt["flow"]["report_seq"] = 0'
mutate "community_id pattern" '$.network.community_id' "$flows" 1 'n["community_id"] = "1:abc="'
mutate "event.kind" '$.event.kind' "$flows" 1 'f["kind"] = "metric"'
mutate "event.category" '$.event.category' "$flows" 1 'f["category"] = ["network", "web"]'
mutate "observer.vendor" '$.observer.vendor' "$flows" 1 'r["observer"]["vendor"] = "acme"'

# --- addresses, ports, numbers -------------------------------------------------
mutate "bad IPv4" '$.source.ip' "$flows" 1 's["ip"] = "10.200.1.256"'
mutate "IPv4 with leading zero" '$.destination.ip' "$flows" 1 'd["ip"] = "10.200.02.2"'
mutate "IPv4 in an ipv6 flow" '$.source.ip' "$flows" 2 's["ip"] = "10.200.1.2"'
mutate "IPv6 in an ipv4 flow" '$.source.ip' "$flows" 1 's["ip"] = "fd00:200:1::2"'
mutate "bad IPv6" '$.destination.ip' "$flows" 2 'd["ip"] = "fd00::200::2"'
mutate "upper-case IPv6" '$.source.ip' "$flows" 2 's["ip"] = "FD00:200:1::2"'
mutate "IPv6 zone index" '$.source.ip' "$flows" 2 's["ip"] = "fe80::1%eth0"'
mutate "IPv6 not RFC 5952" "not in RFC 5952 form" "$flows" 2 's["ip"] = "fd00:200:1:0:0:0:0:2"'
mutate "port 65536" '$.destination.port' "$flows" 1 'd["port"] = 65536'
mutate "negative bytes" '$.source.bytes' "$flows" 1 's["bytes"] = -1'
mutate "float packets" '$.source.packets' "$flows" 1 's["packets"] = 12.0'
mutate "string bytes" '$.destination.bytes' "$flows" 1 'd["bytes"] = "5320"'
mutate "port on icmp" '$.source' "$flows" 3 's["port"] = 8; d["port"] = 0'
mutate "one port only" "source.port and destination.port go together" "$flows" 1 'del d["port"]'
mutate "icmp type 256" '$.nettrail.icmp.type' "$flows" 3 'nt["icmp"]["type"] = 256'

# --- times ---------------------------------------------------------------------
mutate "millisecond time" "'2026-11-23T09:40:01.042Z' does not match" "$flows" 1 'r["@timestamp"] = "2026-11-23T09:40:01.042Z"'
mutate "offset instead of Z" '$.event.start' "$flows" 1 'f["start"] = "2026-11-23T09:40:01.000000+00:00"'
mutate "space separator" '$.event.end' "$flows" 1 'f["end"] = f["end"].replace("T", " ")'
mutate "February 30" "'2026-02-30T09:40:01.042317Z' is not a" "$flows" 1 \
	'r["@timestamp"] = f["end"] = "2026-02-30T09:40:01.042317Z"'
mutate "duration off by 1 us" '$.event.duration' "$flows" 1 'f["duration"] += 1000'
mutate "end before start" '$.event.end' "$flows" 1 'f["start"], f["end"] = f["end"], f["start"]; r["@timestamp"] = f["end"]'
mutate "@timestamp is not end" "must equal event.end" "$flows" 1 'r["@timestamp"] = f["start"]'

# --- enums -------------------------------------------------------------------
mutate "conn_state" '$.nettrail.tcp.conn_state' "$flows" 1 'nt["tcp"]["conn_state"] = "ESTABLISHED"'
mutate "tcp flag name" '$.nettrail.tcp.flags.source' "$flows" 1 'nt["tcp"]["flags"]["source"].append("NS")'
mutate "duplicate tcp flag" '$.nettrail.tcp.flags.destination' "$flows" 1 'nt["tcp"]["flags"]["destination"].append("ACK")'
mutate "end_reason" '$.nettrail.flow.end_reason' "$flows" 1 'nt["flow"]["end_reason"] = "timeout"'
mutate "hook" '$.nettrail.observer.hook' "$flows" 1 'nt["observer"]["hook"] = "xdp"'
mutate "direction name" '$.network.direction' "$flows" 1 'n["direction"] = "east-west"'
mutate "network.type" '$.network.type' "$flows" 1 'n["type"] = "IPv4"'
mutate "transport case" '$.network.transport' "$flows" 1 'n["transport"] = "TCP"'

# --- nettrail-owned objects are closed ---------------------------------------
mutate "unknown nettrail key" '$.nettrail' "$flows" 1 'nt["flows"] = nt["flow"]'
mutate "unknown nettrail.flow key" '$.nettrail.flow' "$flows" 1 'nt["flow"]["reportseq"] = 1'
mutate "unknown heartbeat counter" '$.nettrail.heartbeat.counters' "$hbs" 1 \
	'nt["heartbeat"]["counters"]["ringbuf_ful"] = 0'
mutate "tcp block on udp" '$.nettrail' "$flows" 2 'nt["tcp"] = {"conn_state": "OTH", "flags": {"source": [], "destination": []}}'
mutate "icmp block on tcp" '$.nettrail' "$flows" 1 'nt["icmp"] = {"type": 8, "code": 0}'

# --- cross-field invariants --------------------------------------------------
mutate "network.bytes sum" '$.network.bytes' "$flows" 1 'n["bytes"] += 1'
mutate "network.packets sum" '$.network.packets' "$flows" 1 'n["packets"] -= 1'
mutate "bytes without packets" '$.destination.bytes' "$flows" 5 'd["bytes"] = 40; n["bytes"] += 40'
mutate "less than a header a packet" '$.source.bytes' "$flows" 2 's["bytes"] = 39; n["bytes"] = 39 + d["bytes"]'
mutate "transport vs iana_number" '$.network.iana_number' "$flows" 1 'n["iana_number"] = "17"'
mutate "number for a named protocol" "has a name" "$flows" 5 'n["transport"] = "17"'
mutate "icmp over ipv6" "icmp over ipv6" "$flows" 6 'n["transport"], n["iana_number"] = "icmp", "1"'
mutate "wrong direction" "the addresses make it internal" "$flows" 1 'n["direction"] = "outbound"'
mutate "interfaces order" '$.nettrail.observer.interfaces' "$flows" 1 'nt["observer"]["interfaces"] = ["eth9", "veth1"]'
mutate "S0 with a reply" "S0 means" "$flows" 1 'nt["tcp"]["conn_state"] = "S0"'
mutate "REJ without RST" "REJ needs" "$flows" 7 'nt["tcp"]["flags"]["destination"] = ["SYN", "ACK"]'
mutate "flows_tracked > size" '$.nettrail.heartbeat.flows_tracked' "$hbs" 1 'nt["heartbeat"]["flows_tracked"] = 65537'
mutate "negative heartbeat interval" '$.nettrail.heartbeat.interval_s' "$hbs" 1 'nt["heartbeat"]["interval_s"] = -1'
mutate "first report after the flow start" "the first report starts with the flow" "$flows" 1 \
	'nt["flow"]["start"] = "2026-11-23T09:40:00.999999Z"'
mutate "flow start after the interval" "the flow starts after" "$flows" 4 'nt["flow"]["start"] = "2026-11-23T09:40:10.000001Z"'
{ edit "$flows" 4 'f["start"] = "2026-11-23T09:40:10.000001Z"; f["duration"] -= 1000'; sed -n 8p "$flows"; } >"$tmp/gap.jsonl"
reject "gap between reports" "must end where report 2 starts" "$tmp/gap.jsonl"
{ edit "$flows" 4 'nt["flow"]["start"] = "2026-11-23T09:40:09.400000Z"'; sed -n 8p "$flows"; } >"$tmp/moved.jsonl"
reject "flow start moves" "changed its start" "$tmp/moved.jsonl"

# --- DNS records ---------------------------------------------------------------
# the rules, one case each
mutate "dns: bad dns.type" '$.dns.type' "$dnss" 1 'q["type"] = "response"'
mutate "dns: unanswered query with answers" "an unanswered query has no dns.answers" "$dnss" 3 \
	'q["answers"] = [{"name": "x.example", "type": "TXT", "class": "IN", "ttl": 1, "data": "\"a\""}]'
mutate "dns: resolved_ip not the answers" '$.dns.resolved_ip' "$dnss" 1 'q["resolved_ip"].pop()'
mutate "dns: duration mismatch" '$.event.duration' "$dnss" 1 'f["duration"] += 1000'
mutate "dns: unknown nettrail.dns key" '$.nettrail.dns' "$dnss" 3 'nt["dns"]["unanswerd"] = True'
mutate "dns: bad header flag" '$.dns.header_flags' "$dnss" 1 'q["header_flags"].append("QR")'
mutate "dns: missing question" "'question' is a required property" "$dnss" 1 'del q["question"]'
# schema details
mutate "dns: duplicate header flag" '$.dns.header_flags' "$dnss" 1 'q["header_flags"].append("RD")'
mutate "dns: id 65536" '$.dns.id' "$dnss" 1 'q["id"] = 65536'
mutate "dns: missing dns.id" "'id' is a required property" "$dnss" 1 'del q["id"]'
mutate "dns: missing question.class" "'class' is a required property" "$dnss" 1 'del q["question"]["class"]'
mutate "dns: empty question name" '$.dns.question.name' "$dnss" 1 'q["question"]["name"] = ""'
mutate "dns: trailing dot" '$.dns.question.name' "$dnss" 1 'q["question"]["name"] += "."'
mutate "dns: name of 1,008 characters" '$.dns.question.name' "$dnss" 1 'q["question"]["name"] = ".".join(["a" * 63] * 15 + ["b" * 48])'
mutate "dns: lower-case type" '$.dns.question.type' "$dnss" 1 'q["question"]["type"] = "a"'
mutate "dns: TYPE65536" '$.dns.question.type' "$dnss" 3 'q["question"]["type"] = "TYPE65536"'
mutate "dns: class name" '$.dns.question.class' "$dnss" 1 'q["question"]["class"] = "in"'
mutate "dns: unknown rcode name" '$.dns.response_code' "$dnss" 1 'q["response_code"] = "NXDOMAINX"'
mutate "dns: op_code" '$.dns.op_code' "$dnss" 1 'q["op_code"] = "DSO"'
mutate "dns: negative ttl" '$.dns.answers[0].ttl' "$dnss" 1 'q["answers"][0]["ttl"] = -1'
mutate "dns: answer without data" "'data' is a required property" "$dnss" 1 'del q["answers"][0]["data"]'
mutate "dns: more than 32 answers" '$.dns.answers' "$dnss" 1 'q["answers"] = q["answers"][:1] * 33'
mutate "dns: resolved_ip not an address" '$.dns.resolved_ip[0]' "$dnss" 1 \
	'q["answers"][1]["data"] = q["resolved_ip"][0] = "93.184.215"'
mutate "dns: missing source.port" "'port' is a required property" "$dnss" 1 'del s["port"]'
mutate "dns: IPv4 in an ipv6 record" '$.source.ip' "$dnss" 4 's["ip"] = "10.200.1.2"'
mutate "dns: icmp" '$.network.transport' "$dnss" 1 'n["transport"], n["iana_number"] = "icmp", "1"'
mutate "dns: network.protocol" '$.network.protocol' "$dnss" 1 'n["protocol"] = "tls"'
mutate "dns: missing network.protocol" "'protocol' is a required property" "$dnss" 1 'del n["protocol"]'
mutate "dns: event.type" '$.event.type' "$dnss" 1 'f["type"] = ["connection"]'
mutate "dns: unanswered not a boolean" '$.nettrail.dns.unanswered' "$dnss" 3 'nt["dns"]["unanswered"] = 1'
mutate "dns: observer.interfaces" '$.nettrail.observer' "$dnss" 1 'nt["observer"]["interfaces"] = ["veth1"]'
mutate "dns: flow block" '$.nettrail' "$dnss" 1 'nt["flow"] = {}'
# invariants
mutate "dns: query not unanswered" "must be true" "$dnss" 3 'del nt["dns"]'
mutate "dns: answer marked unanswered" "is not unanswered" "$dnss" 1 'nt["dns"] = {"unanswered": True}'
mutate "dns: query with rcode" "an unanswered query has no dns.response_code" "$dnss" 3 'q["response_code"] = "NOERROR"'
mutate "dns: query with duration" "an unanswered query has no event.duration" "$dnss" 3 'f["duration"] = 0'
mutate "dns: query with an answer time" "an unanswered query has no event.end" "$dnss" 3 'f["end"] = f["start"]'
mutate "dns: query without its time" "an unanswered query needs event.start" "$dnss" 3 'del f["start"]'
mutate "dns: answer without its time" "an answer needs event.end" "$dnss" 1 'del f["end"]; del f["duration"]; r["@timestamp"] = f["start"]'
mutate "dns: duration without start" "event.duration needs event.start" "$dnss" 2 'f["duration"] = 0'
mutate "dns: pair without duration" "need event.duration" "$dnss" 1 'del f["duration"]'
mutate "dns: end before start" "event.end is before event.start" "$dnss" 4 \
	'f["start"], f["end"] = f["end"], f["start"]; r["@timestamp"] = f["end"]; f["duration"] = 0'
mutate "dns: @timestamp is not end" "must equal event.end" "$dnss" 1 'r["@timestamp"] = f["start"]'
mutate "dns: @timestamp is not start" "must equal event.start" "$dnss" 3 'r["@timestamp"] = "2026-11-23T09:40:13.000100Z"'
mutate "dns: resolved_ip order" '$.dns.resolved_ip' "$dnss" 4 'q["resolved_ip"].reverse()'
mutate "dns: resolved_ip without answers" '$.dns.resolved_ip' "$dnss" 2 'q["resolved_ip"] = ["10.0.0.1"]'
mutate "dns: resolved_ip not RFC 5952" "not in RFC 5952 form" "$dnss" 4 \
	'q["answers"][0]["data"] = q["resolved_ip"][0] = "2001:db8:0:0:0:0:0:1"'
mutate "dns: truncated without answers" '$.nettrail.dns.answers_truncated' "$dnss" 2 'nt["dns"] = {"answers_truncated": True}'
mutate "dns: number for a named opcode" "opcode 0 has a name" "$dnss" 1 'q["op_code"] = "0"'
mutate "dns: number for a named rcode" "RCODE3 has a name" "$dnss" 2 'q["response_code"] = "RCODE3"'
mutate "dns: transport vs iana_number" '$.network.iana_number' "$dnss" 4 'n["iana_number"] = "17"'
mutate "dns: wrong direction" "the addresses make it outbound" "$dnss" 3 'n["direction"] = "internal"'
mutate "dns: client IPv6 not RFC 5952" "not in RFC 5952 form" "$dnss" 4 's["ip"] = "fd00:200:1:0:0:0:0:2"'
sed 's/"nettrail.flow"/"nettrail.dns"/' "$flows" >"$tmp/flow-as-dns.jsonl"
reject "flow record as dns" "'dns' is a required property" "$tmp/flow-as-dns.jsonl"

# duplicates across lines and files
sed -n 1p "$flows" >"$tmp/dup.jsonl"
sed -n 1p "$flows" >>"$tmp/dup.jsonl"
reject "duplicate record_id" "duplicate record_id" "$tmp/dup.jsonl"
sed -n 1p "$hbs" | sed -E 's/("record_id":"[0-9a-f]{32}-)[0-9]+"/\11"/' >"$tmp/hb-dup.jsonl"
reject "duplicate record_id across files" "$tmp/hb-dup.jsonl:1: \$.nettrail.record_id: duplicate" "$flows" "$tmp/hb-dup.jsonl"
sed -n 1p "$dnss" | sed -E 's/("record_id":"[0-9a-f]{32}-)[0-9]+"/\11"/' >"$tmp/dns-dup.jsonl"
reject "duplicate record_id flow and dns" "dns-dup.jsonl:1: \$.nettrail.record_id: duplicate" "$flows" "$tmp/dns-dup.jsonl"
sed -n 1p "$flows" | sed 's/-1"/-100"/' >>"$tmp/dup.jsonl.2"
reject "report_seq twice" "report 1 seen twice" "$flows" "$tmp/dup.jsonl.2"
sed -n 1p "$flows" | sed 's/-1"/-100"/; s/"report_seq":1/"report_seq":2/; s/41234/41235/' >"$tmp/tuple.jsonl"
reject "flow changes 5-tuple" "changed its 5-tuple" "$flows" "$tmp/tuple.jsonl"

# --- input shape ---------------------------------------------------------------
: >"$tmp/empty.jsonl"
reject "no records" "no records" "$tmp/empty.jsonl"
sed 's/"nettrail.flow"/"nettrail.tls"/' "$flows" >"$tmp/tls.jsonl"
reject "unknown dataset" "unknown dataset 'nettrail.tls'" "$tmp/tls.jsonl"
{ sed -n 1p "$flows"; echo; } >"$tmp/blank.jsonl"
reject "blank line" "blank.jsonl:2: \$: not a JSON object line" "$tmp/blank.jsonl"
sed -n 1p "$flows" | sed 's/}$/,"source":{}}/' >"$tmp/dupkey.jsonl"
reject "duplicate JSON key" "duplicate key 'source'" "$tmp/dupkey.jsonl"
sed -n 1p "$flows" | sed 's/"duration":[0-9]*/"duration":NaN/' >"$tmp/nan.jsonl"
reject "NaN" "NaN is not JSON" "$tmp/nan.jsonl"
echo '[1, 2]' >"$tmp/array.jsonl"
reject "not an object" "must be a JSON object" "$tmp/array.jsonl"
for i in $(seq 12); do sed -n 1p "$flows" | sed "s/-1\"/-$i\"/; s/\"port\":41234/\"port\":-$i/"; done >"$tmp/many.jsonl"
reject "more than 10 invalid" "... and 2 more invalid records" "$tmp/many.jsonl"
reject "valid lines do not hide an invalid one" "FAILED: 1 of 11 records invalid" "$flows" "$hbs" "$tmp/array.jsonl"

# --- capture audit records (samples/capture.jsonl: 1 taken, 2 and 3 refused) --
caps=$here/samples/capture.jsonl
accept "capture samples" "validated 3 records (flow=0 heartbeat=0 dns=0 capture=3)" "$caps"
mutate "capture over its byte limit" "more than the byte limit" "$caps" 1 \
	'nt["capture"]["bytes"] = nt["capture"]["limits"]["bytes"] + 1'
mutate "refused capture without a reason" "says why" "$caps" 2 'del f["reason"]'
mutate "capture end reason" "is not one of" "$caps" 1 'nt["capture"]["end_reason"] = "tired"'
mutate "capture unknown field" "Additional properties" "$caps" 1 'nt["capture"]["pid"] = 1'

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
