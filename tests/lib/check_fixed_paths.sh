#!/usr/bin/env bash
# Fails on fixed paths under /tmp in tests/, bench/, tools/ and the Makefile:
# a test's files live in its own temp dir ($TMPDIR, which make test makes
# fresh for every suite; mktemp, mkdtemp, pytest's tmp_path), never in a
# folder that only exists on the machine where the test was written.
#
# Allowed: a path inside a container or a chroot (preceded by a variable or
# a path: "$R/tmp", "$root/tmp"), "${TMPDIR:-/tmp}" fallbacks, and lines
# marked "fixed-path-ok: <why>".
set -uo pipefail
cd "$(dirname "$0")/../.."
hits=$(git ls-files tests bench tools Makefile .ci | grep -v '^tests/lib/check_fixed_paths.sh$' |
	xargs grep -nE '(^|[^A-Za-z0-9_}$./-])/tmp(/|\b)' 2>/dev/null |
	grep -vE 'fixed-path-ok|TMPDIR:-/tmp|nt_test_tmpdir|: "/tmp"|\? d : "/tmp"' || true)
if [ -n "$hits" ]; then
	echo "fixed paths under /tmp (use the test's own temp dir):"
	echo "$hits"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "no fixed /tmp paths in tests/, bench/, tools/"
echo "1 passed, 0 failed"
