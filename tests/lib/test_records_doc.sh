#!/usr/bin/env bash
# The schemas are the one definition of every record: every field has a
# description, docs/records.md is exactly what tools/gen_records_doc.py makes
# of them, every field can be found in it by its dotted path, the files keep
# the form tools/gen_metrics.py writes. (That the records the tests validate
# still pass is the schema suite's: tests/lib/test_validate_records.sh, run
# once by tests/run_all.sh.) The generator's own checks are tested on broken
# copies. No root, no build needed.
set -uo pipefail
cd "$(dirname "$0")/../.."
py=${PYTHON:-/usr/bin/python3}
gen=tools/gen_records_doc.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# expect NAME RC WANT_TEXT CMD...: CMD exits RC and prints WANT_TEXT (stdout+stderr)
expect() {
	local name=$1 want_rc=$2 want=$3 out rc=0
	shift 3
	out=$("$@" 2>&1) || rc=$?
	if [[ $rc == "$want_rc" ]] && grep -qF -- "$want" <<<"$out"; then ok "$name"
	else fail "$name: rc=$rc (wanted $want_rc), wanted '$want' in: $(head -5 <<<"$out")"; fi
}

# --- the tree as committed ----------------------------------------------------
# (a) every leaf field of every schema has a description, files in canonical form
expect "every field described, canonical form" 0 "every field described" "$py" "$gen" --lint
# (b) docs/records.md is the generator's output
expect "docs/records.md up to date" 0 "records.md matches the schemas" "$py" "$gen" --check
# every field of every record type is in docs/records.md under its dotted path
for stem in flow dns heartbeat; do
	missing=$("$py" "$gen" --fields | awk -v s="$stem" '$1 == s { print $2 }' |
		while read -r path; do
			case $path in # listed in docs/metrics.md, one row each here
			nettrail.heartbeat.counters.* | nettrail.heartbeat.gauges.*)
				grep -qF "\`${path%.*}.<name>\`" docs/records.md || echo "$path" ;;
			*) grep -qF "\`$path\`" docs/records.md || echo "$path" ;;
			esac
		done)
	n=$("$py" "$gen" --fields | awk -v s="$stem" '$1 == s' | wc -l)
	if [[ -z $missing && $n -gt 0 ]]; then ok "$stem: all $n fields findable in docs/records.md"
	else fail "$stem: not in docs/records.md: $(head -5 <<<"$missing")"; fi
done
# the generator only reads the schemas, and its output does not depend on the run
before=$(sha256sum docs/schema/*.json)
"$py" "$gen" --out "$tmp/a.md" && "$py" "$gen" --out "$tmp/b.md"
if cmp -s "$tmp/a.md" "$tmp/b.md" && cmp -s "$tmp/a.md" docs/records.md &&
	[[ $(sha256sum docs/schema/*.json) == "$before" ]]; then ok "generator deterministic, schemas untouched"
else fail "generator: two runs differ, differ from docs/records.md, or a schema changed"; fi

# --- the checks catch what they are for, on copies ----------------------------
copy() { rm -rf "$tmp/s" && cp -r docs/schema "$tmp/s"; }
edit() { # edit FILE PYTHON: run PYTHON on the schema s, write it back canonically
	"$py" -c '
import json, sys
p = sys.argv[1]
s = json.load(open(p))
exec(sys.argv[2])
open(p, "w").write(json.dumps(s, indent=2, ensure_ascii=False) + "\n")' "$1" "$2"
}
copy
edit "$tmp/s/flow.schema.json" 'del s["properties"]["nettrail"]["properties"]["flow"]["properties"]["report_seq"]["description"]'
expect "lint: a field without description" 1 "flow.schema.json: nettrail.flow.report_seq: no description" \
	"$py" "$gen" --lint --schema-dir "$tmp/s"
copy
edit "$tmp/s/flow.schema.json" 'del s["$defs"]["endpoint"]["properties"]["bytes"]["description"]'
expect "lint: a shared definition without description" 1 "flow.schema.json: source.bytes: no description" \
	"$py" "$gen" --lint --schema-dir "$tmp/s"
copy
edit "$tmp/s/dns.schema.json" 's["properties"]["dns"]["properties"]["answers"]["items"]["properties"]["ttl"]["description"] = "  "'
expect "lint: a blank description" 1 "dns.schema.json: dns.answers.ttl: no description" \
	"$py" "$gen" --lint --schema-dir "$tmp/s"
copy
edit "$tmp/s/heartbeat.schema.json" 'del s["properties"]["nettrail"]["properties"]["heartbeat"]["properties"]["counters"]["properties"]["packets"]["description"]'
expect "lint: a generated counter without description" 1 "nettrail.heartbeat.counters.packets: no description" \
	"$py" "$gen" --lint --schema-dir "$tmp/s"
copy
"$py" -c 'import json,sys; p=sys.argv[1]; s=json.load(open(p)); open(p,"w").write(json.dumps(s, indent=4) + "\n")' "$tmp/s/dns.schema.json"
expect "lint: a schema not in canonical form" 1 "dns.schema.json: not in json.dumps(indent=2" \
	"$py" "$gen" --lint --schema-dir "$tmp/s"
copy
edit "$tmp/s/dns.schema.json" 's["properties"]["dns"]["properties"]["id"]["description"] = "changed"'
expect "check: a description changed in a schema" 1 "out of date" "$py" "$gen" --check --schema-dir "$tmp/s"
copy
sed 's/Zeek.s `conn_state`/Zeek state/' docs/records.md >"$tmp/records.md"
expect "check: the page edited by hand" 1 "out of date" "$py" "$gen" --check --out "$tmp/records.md"
printf 'A different introduction.\n' >"$tmp/intro.md"
expect "check: the introduction changed" 1 "out of date" "$py" "$gen" --check --intro "$tmp/intro.md"
copy
edit "$tmp/s/heartbeat.schema.json" 's["properties"]["nettrail"]["properties"]["schema_version"]["const"] = "1.0.1"'
expect "the schemas disagree on the version" 1 "disagree on nettrail.schema_version" \
	"$py" "$gen" --check --schema-dir "$tmp/s"
copy
edit "$tmp/s/heartbeat.schema.json" 'c = s["properties"]["nettrail"]["properties"]["heartbeat"]["properties"]["counters"]; c["properties"]["new_counter"] = {"$ref": "#/$defs/count", "description": "x"}; c["required"].append("new_counter")'
"$py" "$gen" --schema-dir "$tmp/s" --out "$tmp/new.md"
if cmp -s "$tmp/new.md" docs/records.md; then ok "a new counter changes docs/metrics.md, not docs/records.md"
else fail "a new counter changed docs/records.md: $(diff docs/records.md "$tmp/new.md" | head -3)"; fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
