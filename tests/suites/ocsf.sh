#!/usr/bin/env bash
# OCSF records (docs/ocsf.md), checked against the official schemas:
#   - the committed class schemas (docs/schema/ocsf/<version>/) equal what
#     tools/gen_ocsf_schemas.py generates from the PyPI package
#     ocsf-json-schema (pip, cached under ~/.cache/nettrail);
#   - the encoder's OCSF golden files (tests/unit/encode/golden/ocsf/) at
#     1.1.0 and 1.8.0: every OCSF line valid and equal to its ECS twin (the
#     next line), every ECS line valid;
#   - the replay captures (the DNS and TLS seed corpora with mutations,
#     tests/lib/corpus_to_pcap.py, and an IPv4+IPv6 capture of real TCP,
#     UDP, ICMP, TLS and DNS traffic made here) replayed with
#     --record-format ecs,ocsf at 1.1.0 and at 1.8.0 (with and without a
#     cloud provider): every OCSF record valid at its version, equal to its ECS
#     twin field by field, one twin per ECS flow and DNS record, the ECS
#     records still valid; --record-format ocsf alone writes OCSF and the
#     ECS heartbeat only;
#   - the Glue columns and Avro schemas (docs/schema/ocsf/glue/) are what
#     tools/gen_glue_schema.py generates, and every OCSF record of the
#     replays fits the Glue columns (nothing Firehose would drop);
#   - negative controls: a wrong type_uid, a negative count, a twin that
#     differs, a community_uid at 1.1.0, a record without metadata.product
#     are each refused.
# Needs root (BPF for the replay) and Debian's python3-jsonschema. Prints
# "ok ..." / "FAIL ..." and ends with "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
PY=/usr/bin/python3
NT=build/nettrail
V=tests/lib/validate_ocsf.py
VE=tests/lib/validate_records.py
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ocsf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok $*"; }
no() { fail=$((fail + 1)); echo "FAIL $*"; }
# check NAME CMD...: ok when CMD exits 0 (its output is shown on failure)
check() {
	local name=$1
	shift
	if out=$("$@" 2>&1); then ok "$name: $(tail -1 <<<"$out")"; else no "$name: $(tail -5 <<<"$out")"; fi
}
# refused NAME PATTERN CMD...: ok when CMD exits 1 and says PATTERN
refused() {
	local name=$1 pat=$2 rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [ $rc -eq 1 ] && grep -q -- "$pat" <<<"$out"; then ok "$name refused"; else
		no "$name: rc=$rc, want 1 and '$pat': $(tail -3 <<<"$out")"
	fi
}
ecs_only() { grep -v '^{"activity_id":' "$1" >"$1.ecs"; }

# ---- the schemas are the official ones --------------------------------------
# under make test, pip ran in the background from the start
out=$(tests/lib/prefetch.sh wait ocsf 2>&1) || no "ocsf-json-schema: $out"
check "class schemas = ocsf-json-schema's" "$PY" tools/gen_ocsf_schemas.py --check
check "Glue columns and Avro schemas as generated" "$PY" tools/gen_glue_schema.py --check

# ---- the encoder's golden files ---------------------------------------------
for v in 1.1.0 1.8.0; do
	for f in tests/unit/encode/golden/ocsf/"$v"_*.jsonl; do
		check "golden $(basename "$f")" "$PY" "$V" --version "$v" --twins "$f"
		cp "$f" "$tmp/g.jsonl" && ecs_only "$tmp/g.jsonl"
		check "golden $(basename "$f") ECS twins" "$PY" "$VE" "$tmp/g.jsonl.ecs"
	done
done

# ---- captures ----------------------------------------------------------------
if ! "$PY" tests/lib/corpus_to_pcap.py "$tmp/corpus.pcap" >"$tmp/gen.log" 2>&1; then
	no "corpus_to_pcap.py: $(tail -3 "$tmp/gen.log")"
fi
# real traffic in two namespaces, captured by tcpdump: TCP (a refused port
# too), UDP, ICMP and ICMPv6, TLS 1.3 with SNI and ALPN, DNS over UDP and TCP
live_capture() {
	local a=ntocsf-a.$$ b=ntocsf-b.$$
	ip netns add $a && ip netns add $b || return 1
	ip link add va netns $a type veth peer name vb netns $b
	ip -n $a addr add 10.98.0.1/24 dev va && ip -n $b addr add 10.98.0.2/24 dev vb
	ip -n $a addr add fd98::1/64 dev va nodad && ip -n $b addr add fd98::2/64 dev vb nodad
	ip -n $a link set va up && ip -n $b link set vb up
	ip -n $a link set lo up && ip -n $b link set lo up
	ip netns exec $a tcpdump -i va -n -U -w "$tmp/live.pcap" 2>"$tmp/td.log" &
	local td=$!
	sleep 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/k.pem" -out "$tmp/c.pem" -days 1 \
		-subj /CN=ocsf.test >/dev/null 2>&1
	ip netns exec $b openssl s_server -accept 8443 -cert "$tmp/c.pem" -key "$tmp/k.pem" \
		-alpn h2,http/1.1 -naccept 1 -quiet >/dev/null 2>&1 &
	printf 'address=/ocsf.test/10.98.0.2\naddress=/_sip._tcp.ocsf.test/10.98.0.2\n' >"$tmp/dm.conf"
	ip netns exec $b dnsmasq -k -C "$tmp/dm.conf" -p 53 --listen-address=10.98.0.2 \
		--bind-interfaces --no-resolv --pid-file="$tmp/dm.pid" 2>/dev/null &
	local dm=$!
	sleep 1
	ip netns exec $a dig +short +tries=1 @10.98.0.2 ocsf.test A >/dev/null
	ip netns exec $a dig +short +tries=1 @10.98.0.2 _sip._tcp.ocsf.test A >/dev/null
	ip netns exec $a dig +short +tcp +tries=1 @10.98.0.2 ocsf.test A >/dev/null
	echo | ip netns exec $a timeout 5 openssl s_client -connect 10.98.0.2:8443 \
		-servername ocsf.test -alpn h2,http/1.1 >/dev/null 2>&1
	ip netns exec $a ping -c 2 -i 0.2 10.98.0.2 >/dev/null
	ip netns exec $a ping -6 -c 2 -i 0.2 fd98::2 >/dev/null
	ip netns exec $a timeout 2 bash -c 'echo x >/dev/tcp/10.98.0.2/9' 2>/dev/null
	ip netns exec $b timeout 2 socat -u UDP-RECV:7000 - >/dev/null &
	sleep 0.3
	echo hello | ip netns exec $a socat -u - UDP:10.98.0.2:7000
	sleep 1
	kill -INT $td $dm 2>/dev/null
	wait $td 2>/dev/null
	kill $dm 2>/dev/null
	ip netns del $a
	ip netns del $b
	[ -s "$tmp/live.pcap" ]
}
if live_capture; then ok "live capture ($(stat -c %s "$tmp/live.pcap") bytes)"; else
	no "live capture: $(tail -3 "$tmp/td.log")"
fi

for pcap in corpus live; do
	[ -s "$tmp/$pcap.pcap" ] || continue
	for v in 1.1.0 1.8.0; do
		for cloud in "" aws; do
			o=$tmp/$pcap-$v${cloud:+-$cloud}.jsonl
			"$NT" --pcap "$tmp/$pcap.pcap" --record-format ecs,ocsf --ocsf-version "$v" \
				--cluster-name lab ${cloud:+--cloud-provider $cloud --cloud-region eu-west-1} \
				-o "file:$o" 2>"$tmp/nt.log" || no "$pcap $v replay: $(tail -2 "$tmp/nt.log")"
			check "$pcap $v${cloud:+ cloud} OCSF = ECS twins" "$PY" "$V" --version "$v" --twins "$o"
			ecs_only "$o"
			check "$pcap $v${cloud:+ cloud} ECS records" "$PY" "$VE" "$o.ecs"
		done
	done
done
# what the live capture must have given, in OCSF
o=$tmp/live-1.8.0.jsonl
if [ -s "$o" ]; then
	check "live capture: TLS, DNS, REJ, ICMPv6 in OCSF" "$PY" - "$o" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"activity_id":')]
tls = [r for r in recs if r.get("tls", {}).get("sni") == "ocsf.test"]
assert tls and tls[0]["unmapped"]["tls"]["alpn"] == ["h2", "http/1.1"], tls
assert tls[0]["ja4_fingerprint_list"][0]["value"].startswith("t13d"), tls[0]
dns = [r for r in recs if r["class_uid"] == 4003 and r["query"]["hostname"] == "ocsf.test"]
assert len(dns) == 2 and all(r["activity_id"] == 6 for r in dns), dns
assert {a["rdata"] for r in dns for a in r["answers"]} == {"10.98.0.2"}, dns
rej = [r for r in recs if r.get("dst_endpoint", {}).get("port") == 9]
assert rej and rej[0]["activity_id"] == 5 and rej[0]["status_id"] == 2, rej
icmp6 = [r for r in recs if r["class_uid"] == 4001 and r["connection_info"]["protocol_num"] == 58]
assert icmp6 and icmp6[0]["connection_info"]["protocol_ver_id"] == 6, icmp6
print(f"{len(tls)} TLS, {len(dns)} DNS, {len(rej)} refused, {len(icmp6)} ICMPv6")
EOF
	o1=$tmp/live-1.1.0.jsonl
	check "live capture: 1.1.0 keeps _sip._tcp in unmapped" grep -q \
		'"unmapped":{"query":{"hostname":"_sip._tcp.ocsf.test"}' "$o1"
fi
check "every replayed OCSF record fits the Glue columns" "$PY" tools/gen_glue_schema.py \
	--records "$tmp"/corpus-*.jsonl "$tmp"/live-*.jsonl

# OCSF alone: no ECS flow or DNS record, the heartbeat stays ECS
o=$tmp/only.jsonl
"$NT" --pcap "$tmp/corpus.pcap" --record-format ocsf -o "file:$o" 2>/dev/null
n_ocsf=$(grep -c '^{"activity_id":' "$o")
n_other=$(grep -vc '^{"activity_id":' "$o")
if [ "$n_ocsf" -gt 100 ] && [ "$n_other" -eq 1 ] && grep -q '"nettrail.heartbeat"' "$o"; then
	ok "--record-format ocsf: $n_ocsf OCSF records and one ECS heartbeat"
else no "--record-format ocsf: $n_ocsf OCSF, $n_other other lines"; fi
check "--record-format ocsf records valid at 1.1.0" "$PY" "$V" --version 1.1.0 "$o"

# ---- negative controls ---------------------------------------------------------
g=tests/unit/encode/golden/ocsf/1.8.0_flow_tls.jsonl
sed '1s/"type_uid":400106/"type_uid":400102/' "$g" >"$tmp/n1.jsonl"
refused "a wrong type_uid" "type_uid" "$PY" "$V" "$tmp/n1.jsonl"
sed '1s/"bytes_out":2100/"bytes_out":-2100/' "$g" >"$tmp/n2.jsonl"
refused "a negative count" "negative" "$PY" "$V" "$tmp/n2.jsonl"
sed '1s/"packets_in":10,/"packets_in":11,/; 1s/"packets":22/"packets":23/' "$g" >"$tmp/n3.jsonl"
refused "a twin with other counts" "traffic in" "$PY" "$V" --twins "$tmp/n3.jsonl"
sed '1s/"uid":"1543c5ec3f941b8a"/"uid":"1543c5ec3f941b8a","community_uid":"1:x"/' \
	tests/unit/encode/golden/ocsf/1.1.0_flow_tls.jsonl >"$tmp/n4.jsonl"
refused "community_uid at 1.1.0" "community_uid" "$PY" "$V" "$tmp/n4.jsonl"
sed '1s/"product":{[^}]*},//' "$g" >"$tmp/n5.jsonl"
refused "a record without metadata.product" "product" "$PY" "$V" "$tmp/n5.jsonl"
head -1 "$g" >"$tmp/n6.jsonl"
refused "an OCSF record without its ECS twin" "no ECS record" "$PY" "$V" --twins "$tmp/n6.jsonl"
gc=tests/unit/encode/golden/ocsf/1.8.0_flow_tls_cert.jsonl
sed '1s/"serial_number":"0A1B2C3D"/"serial_number":"0A1B2C3E"/' "$gc" >"$tmp/n7.jsonl"
refused "a twin with another certificate" "serial_number" "$PY" "$V" --twins "$tmp/n7.jsonl"
sed '1s/"port":50000/"port":50001/' tests/unit/encode/golden/ocsf/1.1.0_flow_nat.jsonl >"$tmp/n8.jsonl"
refused "a twin with another translation" "unmapped.nat.src_endpoint" "$PY" "$V" --twins "$tmp/n8.jsonl"
sed '1s/"client_scid":"1122"/"client_scid":"1123"/' tests/unit/encode/golden/ocsf/1.8.0_flow_quic.jsonl >"$tmp/n9.jsonl"
refused "a twin with other QUIC IDs" "unmapped.nettrail.quic" "$PY" "$V" --twins "$tmp/n9.jsonl"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
