#!/usr/bin/env bash
# ensure_helm.sh [LOG]: helm v3.19.0 in ~/.cache/nettrail/bin, installed by
# `go install` (Go module proxy, from an empty temporary directory) when it
# is missing or another version. Prints the binary's path; on failure a
# one-line reason on stderr (the install log in LOG) and exit 1.
# go install leaves helm's own version string unset ("v3.19"): the module
# version recorded in the binary is the one compared.
# Used by tests/suites/helm.sh and tests/suites/k8s_real.sh.
set -uo pipefail
HELM_VERSION=v3.19.0
BIN_DIR=${HOME:-/root}/.cache/nettrail/bin
HELM=$BIN_DIR/helm
log=${1:-/dev/null}
GO=$(command -v go || echo /usr/local/go/bin/go)
[ -x "$GO" ] || { echo "go is missing (needed for helm)" >&2; exit 1; }
helm_mod() { [ -x "$HELM" ] && "$GO" version -m "$HELM" 2>/dev/null | awk '$1 == "mod" && $2 == "helm.sh/helm/v3" {print $3}'; }
if [ "$(helm_mod)" != "$HELM_VERSION" ]; then
	echo "# installing helm $HELM_VERSION into $BIN_DIR (go install)" >&2
	mkdir -p "$BIN_DIR"
	scratch=$(mktemp -d) || exit 1
	(cd "$scratch" && GOBIN=$BIN_DIR GOFLAGS='' timeout "${NT_HELM_INSTALL_TIMEOUT:-900}" "$GO" install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION") >"$log" 2>&1
	rc=$?
	rm -rf "$scratch"
	[ $rc -eq 0 ] || { echo "go install helm $HELM_VERSION failed: $(tail -3 "$log" 2>/dev/null)" >&2; exit 1; }
fi
[ "$(helm_mod)" = "$HELM_VERSION" ] || { echo "helm at $HELM is not $HELM_VERSION" >&2; exit 1; }
echo "$HELM"
