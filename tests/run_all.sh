#!/usr/bin/env bash
# Runs every test suite and prints one closing line: "N passed, M failed".
# Root, BPF, network namespaces: all required. Nothing is skipped; a suite
# that cannot run is a failed suite.
set -uo pipefail
cd "$(dirname "$0")/.."
LOG=build/test-logs
mkdir -p "$LOG"
passed=0 failed=0 bad_suites=()

count_criterion() { # Synthesis: Tested: 7 | Passing: 7 | Failing: 0 | Crashing: 0
	local l; l=$(grep -a 'Synthesis:' "$1" | tail -1)
	p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$l"); p=${p:-0}
	f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$l"); f=${f:-0}
	c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$l"); c=${c:-0}
	f=$((f + c))
}
count_pytest() { # "== 12 passed, 1 failed in 3.2s =="
	local l; l=$(grep -aE '[0-9]+ (passed|failed|error)' "$1" | tail -1)
	p=$(grep -oE '[0-9]+ passed' <<<"$l" | grep -oE '[0-9]+'); p=${p:-0}
	f=0
	for n in $(grep -oE '[0-9]+ (failed|errors?)' <<<"$l" | grep -oE '[0-9]+'); do f=$((f + n)); done
}
count_plain() { # "N passed, M failed"
	local l; l=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	p=$(sed -n 's/^\([0-9]*\) passed.*/\1/p' <<<"$l"); p=${p:-0}
	f=$(sed -n 's/.* \([0-9]*\) failed.*/\1/p' <<<"$l"); f=${f:-0}
}

# Every suite gets a fresh, empty TMPDIR of its own, removed after it: nothing
# a test needs may come from a previous run, a previous suite or the shared temp dir.
RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nettrail-test.XXXXXX")
# The cold fetches and builds (the control plane for k8s_real, helm, the
# Kafka jars, PyPI packages) run in the background from the start, nice'd;
# the suites that need one wait for it (tests/lib/prefetch.sh).
export NT_PREFETCH_DIR=$RUN_TMP/prefetch
setsid tests/lib/prefetch.sh start "$NT_PREFETCH_DIR" >/dev/null 2>&1 &
export NT_PREFETCH_PID=$!
trap 'kill -- -$NT_PREFETCH_PID 2>/dev/null; wait; rm -rf "$RUN_TMP"' EXIT

suite() { # name counter command...
	local name=$1 counter=$2; shift 2
	local tmp="$RUN_TMP/$name" t0=$SECONDS
	echo "=== $name: $*"
	mkdir -p "$tmp"
	TMPDIR=$tmp "$@" >"$LOG/$name.log" 2>&1
	local rc=$?
	rm -rf "$tmp"
	$counter "$LOG/$name.log"
	tail -n 25 "$LOG/$name.log"
	if [ $rc -ne 0 ] || [ "$f" -ne 0 ] || [ "$p" -eq 0 ]; then
		bad_suites+=("$name(rc=$rc)")
		[ "$f" -eq 0 ] && f=1
	fi
	passed=$((passed + p)); failed=$((failed + f))
	echo "--- $name: $p passed, $f failed ($((SECONDS - t0)) s)"
}

suite fixed_paths count_plain tests/lib/check_fixed_paths.sh
suite fmt count_plain tests/lib/check_fmt.sh
suite func_len count_plain /usr/bin/python3 tests/lib/check_func_len.py
suite registry count_plain tests/lib/test_registry.sh
suite records_doc count_plain tests/lib/test_records_doc.sh
suite unit count_criterion build/unit_tests --jobs 1 --verbose=0
suite schema count_plain tests/lib/test_validate_records.sh
suite goldens count_plain tests/lib/validate_goldens.sh
suite datapath count_criterion build/datapath_tests --jobs 1
suite live count_pytest /usr/bin/python3 -m pytest -p no:cacheprovider -q tests/live
for extra in tests/suites/*.sh; do
	[ -e "$extra" ] || continue
	suite "$(basename "$extra" .sh)" count_plain "$extra"
done

for it in "$NT_PREFETCH_DIR"/*.log; do # what the background fetches took
	[ -e "$it" ] && grep -h '^# .*: exit [0-9]* after' "$it"
done
[ ${#bad_suites[@]} -eq 0 ] || echo "failed suites: ${bad_suites[*]} (logs in $LOG)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
