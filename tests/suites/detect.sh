#!/usr/bin/env bash
# nettrail-detect: builds the detector and its Criterion unit tests, runs them,
# then the end-to-end check (a generated JSON-lines file through the binary,
# exact alerts). Last line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${TMPDIR:=$(mktemp -d)}"
pass=0 fail=0

if ! make -s build/nettrail-detect build/detect_unit_tests >"$TMPDIR/build.log" 2>&1; then
	cat "$TMPDIR/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi

build/detect_unit_tests --jobs 1 >"$TMPDIR/unit.log" 2>&1
rc=$?
cat "$TMPDIR/unit.log"
l=$(grep -a 'Synthesis:' "$TMPDIR/unit.log" | tail -1)
p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$l")
f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$l")
c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$l")
pass=$((pass + ${p:-0}))
fail=$((fail + ${f:-0} + ${c:-0}))
if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ] && [ "${c:-0}" -eq 0 ]; then fail=$((fail + 1)); fi

if python3 tests/unit_detect/e2e.py build/nettrail-detect "$TMPDIR"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
