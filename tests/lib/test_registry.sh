#!/usr/bin/env bash
# The counter registry (user/counters.h) is the one definition: every module
# stats field is gathered (check_counters.py), and docs/metrics.md and the
# heartbeat schema are what tools/gen_metrics.py makes from it. The live
# suite checks the heartbeat and /metrics carry exactly the registry.
set -uo pipefail
cd "$(dirname "$0")/../.."
pass=0 fail=0
out=$(/usr/bin/python3 tests/lib/check_counters.py); rc=$?
echo "$out" | grep -v '^ok' | tail -20
p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$out" | tail -1)
f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$out" | tail -1)
pass=$((pass + ${p:-0})); fail=$((fail + ${f:-1}))
[ $rc -eq 0 ] || [ "${f:-0}" -gt 0 ] || fail=$((fail + 1))
if /usr/bin/python3 tools/gen_metrics.py --check build/nettrail; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
