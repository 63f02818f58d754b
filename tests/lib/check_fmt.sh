#!/usr/bin/env bash
# The tree is as `make fmt` leaves it: clang-format (.clang-format) changes
# nothing in bpf/, user/, include/, tests/, bench/ or detect/. One result per file.
set -uo pipefail
cd "$(dirname "$0")/../.."
command -v clang-format >/dev/null || { echo "clang-format missing (make test-deps)"; echo "0 passed, 1 failed"; exit 1; }
pass=0 fail=0
while read -r f; do
	if clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "not formatted: $f (run make fmt)"
	fi
done < <(find bpf user include tests bench detect -name '*.[ch]' | sort)
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
