#!/usr/bin/env bash
# Malformed DNS, TLS and QUIC bytes through the whole userspace pipeline, under
# AddressSanitizer and UBSan: every fuzz seed (tests/fuzz/corpus/dns_msg,
# tls_hello, quic) and 20 seeded mutations of each become flows in a pcap
# (tests/lib/corpus_to_pcap.py), replayed with --pcap through the BPF
# datapath (BPF_PROG_TEST_RUN) into the payload, TLS and DNS stages of an
# ASan+UBSan build of nettrail. The replay must end cleanly, with no
# sanitizer report, the parse errors counted in the heartbeat, the
# well-formed seeds parsed, every record valid, and a DNS record for each
# well-formed query.
#
# Needs root (BPF), gcc's libasan/libubsan, /usr/bin/python3 with
# python3-jsonschema. Work files go to build/asan/. Ends with the line
# "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=build/asan
BIN=$OUT/nettrail
PCAP=$OUT/corpus.pcap
EXPECT=$OUT/expected_queries.jsonl
RECS=$OUT/replay.jsonl
ERRS=$OUT/replay.stderr
PY=/usr/bin/python3
pass=0 fail=0

ok() { echo "ok $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

mkdir -p "$OUT"
rm -f "$BIN" "$PCAP" "$EXPECT" "$RECS" "$ERRS"

# ---- build ---------------------------------------------------------------
# make all first: it generates build/flow.skel.h, which user/*.c include.
if ! make all >"$OUT/make.log" 2>&1; then
	no build "make all failed (tail of $OUT/make.log):"; tail -15 "$OUT/make.log"
	finish
fi
if ! gcc -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Iinclude -Iuser -Iuser/datapath -Iuser/inspect -Iuser/enrich -Iuser/encode -Iuser/sink -Iuser/capture -Ibuild -DNT_VERSION='"asan"' user/*.c user/*/*.c -o "$BIN" \
	$(make -s --no-print-directory print-ldlibs) >"$OUT/build.log" 2>&1; then
	no build "the ASan+UBSan build failed (tail of $OUT/build.log):"; tail -15 "$OUT/build.log"
	finish
fi
ok build

# ---- capture -------------------------------------------------------------
if summary=$("$PY" tests/lib/corpus_to_pcap.py "$PCAP" --expect "$EXPECT" 2>"$OUT/gen.log") &&
	[ -s "$PCAP" ]; then
	ok "pcap ($summary)"
else
	no pcap "corpus_to_pcap.py failed: $(tail -3 "$OUT/gen.log")"
	finish
fi

# ---- replay --------------------------------------------------------------
start=$SECONDS
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	timeout -s KILL 100 "$BIN" --pcap "$PCAP" -o "file:$RECS" >"$OUT/replay.stdout" 2>"$ERRS"
rc=$?
echo "# replay: exit $rc in $((SECONDS - start)) s, $(cat "$RECS" 2>/dev/null | wc -l) records"

if [ "$rc" -eq 0 ]; then ok exit_code
else no exit_code "exit $rc (a sanitizer report exits 1 or 134, 137 is the 100 s timeout); stderr in $ERRS"; fi

if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error|SUMMARY: (Address|Undefined|Leak)' "$ERRS"; then
	no no_sanitizer_report "$(grep -m1 -E 'ERROR: |runtime error|SUMMARY:' "$ERRS")"
	grep -m1 -A25 -E 'ERROR: |runtime error' "$ERRS" | sed 's/^/#   /'
else
	ok no_sanitizer_report
fi

# ---- heartbeat counters, records, DNS transactions -----------------------
# One line per check from Python: "ok NAME" or "FAIL NAME: why".
checks=$("$PY" - "$RECS" "$EXPECT" "$summary" <<'PY'
import json, sys
recs_path, expect_path, summary = sys.argv[1:4]
gen = json.loads(summary)
recs, bad = [], 0
try:
    for line in open(recs_path):
        try:
            recs.append(json.loads(line))
        except ValueError:
            bad += 1
except OSError as e:
    print(f"FAIL records: {e}")
def ds(r):
    return (r.get("event") or {}).get("dataset")

hb = [r for r in recs if ds(r) == "nettrail.heartbeat"]
if not recs or ds(recs[-1]) != "nettrail.heartbeat":
    print(f"FAIL heartbeat: the last of {len(recs)} records is not a heartbeat")
    c = {}
else:
    print("ok heartbeat")
    c = recs[-1]["nettrail"]["heartbeat"]["counters"]

def positive(name, why):
    v = c.get(name)
    if isinstance(v, int) and v > 0:
        print(f"ok {name} ({v})")
    else:
        print(f"FAIL {name}: {v!r}, expected > 0 ({why})")

positive("dns_messages", "the well-formed DNS seeds")
positive("dns_parse_errors", "hostile seeds and mutations")
positive("tls_client_hellos", "the well-formed ClientHello seeds")
positive("tls_parse_errors", "the TLS mutations")
positive("quic_client_hellos", "the RFC 9001/9369 client Initial seeds")
positive("quic_decrypt_failures", "the QUIC mutations")
if c.get("packets") == gen["packets"]:
    print(f"ok packets ({gen['packets']} replayed)")
else:
    print(f"FAIL packets: heartbeat {c.get('packets')!r}, pcap {gen['packets']}")

dns = [r for r in recs if ds(r) == "nettrail.dns"]
have = {}
for r in dns:
    q = (r.get("dns") or {}).get("question") or {}
    key = (r.get("network", {}).get("transport"), r.get("source", {}).get("port"),
           r.get("dns", {}).get("id"))
    have.setdefault(key, set()).add((q.get("name") or "").lower())
missing = []
for line in open(expect_path):
    e = json.loads(line)
    if e["name"].lower() not in have.get((e["transport"], e["port"], e["id"]), ()):
        missing.append(f"{e['file']} ({e['transport']} port {e['port']} id {e['id']} {e['name']})")
n_exp = sum(1 for _ in open(expect_path))
if not n_exp:
    print("FAIL dns_records: no well-formed query in the corpus")
elif missing:
    print(f"FAIL dns_records: {len(missing)} of {n_exp} well-formed queries have no "
          f"nettrail.dns record ({len(dns)} DNS records): {'; '.join(missing[:4])}")
else:
    print(f"ok dns_records ({n_exp} well-formed queries recorded; {len(dns)} DNS records)")
PY
)
prc=$?
while IFS= read -r line; do
	case $line in
	ok\ *) echo "$line"; pass=$((pass + 1)) ;;
	FAIL\ *) echo "$line"; fail=$((fail + 1)) ;;
	*) echo "# $line" ;;
	esac
done <<<"$checks"
[ "$prc" -eq 0 ] || no record_checks "the Python checks exited $prc"

if [ ! -s "$RECS" ]; then
	no records_valid "no records in $RECS"
elif "$PY" tests/lib/validate_records.py "$RECS" >"$OUT/validate.log" 2>&1; then
	ok "records_valid ($(tail -1 "$OUT/validate.log"))"
else
	no records_valid "validate_records.py (see $OUT/validate.log): $(tail -3 "$OUT/validate.log" | tr '\n' ' ')"
fi

finish
