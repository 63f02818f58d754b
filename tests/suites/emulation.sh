#!/usr/bin/env bash
# Adversary emulation (tests/emulation): real tools in namespaces, the real
# sensor, nettrail-detect on its records; the beacon from a replayed day; one
# scenario through the real Kafka broker. Last line: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${TMPDIR:=$(mktemp -d)}"
if ! make -s all build/nettrail-detect >"$TMPDIR/build.log" 2>&1; then
	cat "$TMPDIR/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi
/usr/bin/python3 -m pytest -p no:cacheprovider -q --basetemp="$TMPDIR/pytest" tests/emulation \
	>"$TMPDIR/emulation.log" 2>&1
rc=$?
cat "$TMPDIR/emulation.log"
l=$(grep -E '^=* ?[0-9]+ (passed|failed)' "$TMPDIR/emulation.log" | tail -1)
p=$(grep -o '[0-9]* passed' <<<"$l" | cut -d' ' -f1)
f=$(grep -o '[0-9]* failed' <<<"$l" | cut -d' ' -f1)
e=$(grep -o '[0-9]* error' <<<"$l" | cut -d' ' -f1)
f=$((${f:-0} + ${e:-0}))
if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
echo "${p:-0} passed, $f failed"
[ "$f" -eq 0 ]
