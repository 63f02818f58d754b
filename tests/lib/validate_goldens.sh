#!/usr/bin/env bash
# The encoder's golden files (tests/unit/encode/golden/*.jsonl, compared byte for
# byte by tests/unit/encode/test_record.c) are valid records: each file on its own
# and all of them together (record_ids unique) pass validate_records.py with
# every line counted under the dataset its name says (flow_*, dns_*,
# heartbeat*); each file ends in a newline and is used by test_record.c; and
# a broken copy is rejected (the validator really looks). One result per
# check; the last line is "N passed, M failed".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
py=${PYTHON:-/usr/bin/python3} # Debian's, with python3-jsonschema
validator=$here/validate_records.py
golden=${NT_GOLDEN_DIR:-$root/tests/unit/encode/golden}
test_src=$root/tests/unit/encode/test_record.c
tmp=$(mktemp -d "${TMPDIR:-/tmp}/validate-goldens.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

shopt -s nullglob
files=("$golden"/*.jsonl)
if [ ${#files[@]} -lt 9 ]; then
	fail "expected at least 9 golden files in $golden, found ${#files[@]}"
fi

total=0 all_flow=0 all_dns=0 all_hb=0
for f in "${files[@]}"; do
	name=$(basename "$f" .jsonl)
	lines=$(wc -l <"$f")
	flow=0 dns=0 hb=0
	case $name in
	flow_*) flow=$lines ;;
	dns_*) dns=$lines ;;
	heartbeat*) hb=$lines ;;
	*)
		fail "$name: the name must start with flow_, dns_ or heartbeat"
		continue
		;;
	esac
	total=$((total + lines)) all_flow=$((all_flow + flow)) all_dns=$((all_dns + dns))
	all_hb=$((all_hb + hb))

	# newline-terminated, as the fd sink writes lines; and in use
	if [ "$lines" -ge 1 ] && [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ]; then ok
	else fail "$name: empty, or the last line has no newline"; fi
	if grep -qF "golden_check(\"$name\")" "$test_src"; then ok
	else fail "$name: no golden_check(\"$name\") in tests/unit/encode/test_record.c (stale file?)"; fi

	want="validated $lines records (flow=$flow heartbeat=$hb dns=$dns)"
	rc=0
	out=$("$py" "$validator" "$f" 2>"$tmp/err") || rc=$?
	if [ $rc -eq 0 ] && [ "$out" = "$want" ]; then ok
	else fail "$name: rc=$rc out='$out' (want '$want') $(head -5 "$tmp/err")"; fi
done

# all together: record_ids unique across the files, flows consistent
if [ ${#files[@]} -gt 0 ]; then
	want="validated $total records (flow=$all_flow heartbeat=$all_hb dns=$all_dns)"
	rc=0
	out=$("$py" "$validator" "${files[@]}" 2>"$tmp/err") || rc=$?
	if [ $rc -eq 0 ] && [ "$out" = "$want" ]; then ok
	else fail "all golden files together: rc=$rc out='$out' (want '$want') $(head -5 "$tmp/err")"; fi
fi

# negative control: a golden flow without its community_id is rejected
if [ -f "$golden/flow_tcp_sf.jsonl" ]; then
	sed 's/"community_id":"[^"]*",//' "$golden/flow_tcp_sf.jsonl" >"$tmp/broken.jsonl"
	rc=0
	"$py" "$validator" "$tmp/broken.jsonl" >/dev/null 2>"$tmp/err" || rc=$?
	if [ $rc -eq 1 ] && grep -q "community_id" "$tmp/err"; then ok
	else fail "a flow record without network.community_id passed (rc=$rc): $(head -3 "$tmp/err")"; fi
else
	fail "tests/unit/encode/golden/flow_tcp_sf.jsonl missing (the negative control edits it)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
