#!/usr/bin/env bash
# Builds the nettrail container image without a container engine.
#
#   tools/make_image.sh [OUTDIR]       OCI image layout at OUTDIR (default
#                                      build/image/oci), tagged VERSION, and
#                                      the archive build/image/nettrail-VERSION.oci.tar
#   tools/make_image.sh --rootfs DIR   only assemble the root filesystem in DIR
#                                      (what the Containerfile's last stage copies)
#
# The root filesystem is, from scratch: /usr/bin/nettrail (build/nettrail,
# debug info stripped), exactly the shared libraries `ldd build/nettrail`
# lists with their symlink chains and the dynamic loader, laid out as
# Debian bookworm does (merged /usr: /lib and /lib64 are symlinks into /usr),
# the CA bundle /etc/ssl/certs/ca-certificates.crt with OpenSSL's default
# paths (/usr/lib/ssl/cert.pem, /usr/lib/ssl/certs) pointing at it, and the
# empty directories /tmp and /var/lib/nettrail/spool. No shell, no package  (fixed-path-ok: the image rootfs)
# manager, no /etc/passwd (nothing looks a user up; the pod runs as uid 0).
# The image config: entrypoint /usr/bin/nettrail, user 0:0, OCI labels.
#
# VERSION is the Makefile's (= the binary's --version = the chart's
# appVersion). Needs: umoci (Debian package), ldd, strip, tar; root (file
# ownership in the layer). NETTRAIL_BIN overrides the binary (build/nettrail).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${NETTRAIL_BIN:-build/nettrail}
VERSION=$(sed -n 's/^VERSION *:= *\([^ ]*\).*/\1/p' Makefile)
REPO=ghcr.io/nettrail/nettrail

die() { echo "make_image: $*" >&2; exit 1; }

# ---- root filesystem -------------------------------------------------------
# Copies PATH into the root R following its symlink chain: every link on the
# way is recreated as the same symlink, the file it ends at is copied.
copy_chain() { # R PATH
	local r=$1 cur=$2 dir f t n=0
	while :; do
		[ $((n += 1)) -lt 40 ] || die "symlink loop at $2"
		dir=$(readlink -f "$(dirname "$cur")")
		f=$dir/$(basename "$cur")
		mkdir -p "$r$dir"
		if [ -L "$f" ]; then
			t=$(readlink "$f")
			[ -L "$r$f" ] || ln -s "$t" "$r$f"
			case $t in /*) cur=$t ;; *) cur=$dir/$t ;; esac
		elif [ -f "$f" ]; then
			[ -e "$r$f" ] || cp --preserve=mode "$f" "$r$f"
			return 0
		else
			die "$f (from $2) is missing"
		fi
	done
}

make_rootfs() { # DIR
	local r=$1 libs
	[ -x "$BIN" ] || die "$BIN is missing: run make all"
	command -v ldd >/dev/null || die "ldd is missing"
	command -v strip >/dev/null || die "strip (binutils) is missing"
	[ -s /etc/ssl/certs/ca-certificates.crt ] || die "/etc/ssl/certs/ca-certificates.crt is missing (apt-get install ca-certificates)"
	[ -e "$r" ] && [ -n "$(ls -A "$r")" ] && die "$r is not empty"
	mkdir -p "$r"
	r=$(cd "$r" && pwd)
	mkdir -p "$r/usr/bin" "$r/usr/lib" "$r/usr/lib64" "$r/etc/ssl/certs" "$r/usr/lib/ssl" \
		"$r/var/lib/nettrail/spool"
	mkdir -m 1777 "$r/tmp"
	ln -s usr/lib "$r/lib"
	ln -s usr/lib64 "$r/lib64"
	cp "$BIN" "$r/usr/bin/nettrail"
	strip --strip-debug "$r/usr/bin/nettrail"
	chmod 0755 "$r/usr/bin/nettrail"
	# "libx.so.1 => /lib/.../libx.so.1 (0x...)" and the loader "/lib64/ld-linux-x86-64.so.2 (0x...)"
	libs=$(ldd "$BIN" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)
	[ -n "$libs" ] || die "ldd $BIN listed no library"
	if ldd "$BIN" | grep -q 'not found'; then die "ldd: $(ldd "$BIN" | grep 'not found' | head -1)"; fi
	for l in $libs; do copy_chain "$r" "$l"; done
	cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
	chmod 0644 "$r/etc/ssl/certs/ca-certificates.crt"
	ln -s /etc/ssl/certs/ca-certificates.crt "$r/usr/lib/ssl/cert.pem"
	ln -s /etc/ssl/certs "$r/usr/lib/ssl/certs"
	chown -R -h 0:0 "$r" 2>/dev/null || true
}

if [ "${1:-}" = "--rootfs" ]; then
	[ -n "${2:-}" ] || die "usage: $0 --rootfs DIR"
	make_rootfs "$2"
	exit 0
fi

# ---- OCI image ------------------------------------------------------------
OUTDIR=${1:-build/image/oci}
ARCHIVE=build/image/nettrail-$VERSION.oci.tar
command -v umoci >/dev/null || die "umoci is missing (apt-get install umoci)"
[ "$(id -u)" -eq 0 ] || die "run as root (root-owned files in the layer)"
[ -n "$VERSION" ] || die "no VERSION in the Makefile"
case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/nt-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
make_rootfs "$work/rootfs"

rm -rf "$OUTDIR"
mkdir -p "$(dirname "$OUTDIR")" "$(dirname "$ARCHIVE")"
img=$OUTDIR:$VERSION
umoci init --layout "$OUTDIR"
umoci new --image "$img"
# One layer: unpack the empty image, fill its rootfs, repack.
umoci unpack --image "$img" "$work/bundle" >/dev/null
rmdir "$work/bundle/rootfs" 2>/dev/null || rm -rf "$work/bundle/rootfs"
mv "$work/rootfs" "$work/bundle/rootfs"
umoci repack --image "$img" --history.comment "nettrail $VERSION: binary, its shared libraries, CA bundle" \
	--history.created_by "tools/make_image.sh" "$work/bundle"
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
umoci config --image "$img" --os linux --architecture "$arch" --author "nettrail" \
	--config.entrypoint /usr/bin/nettrail --config.user 0:0 --config.workingdir / \
	--config.env PATH=/usr/bin \
	--config.label "org.opencontainers.image.title=nettrail" \
	--config.label "org.opencontainers.image.description=eBPF network flow sensor" \
	--config.label "org.opencontainers.image.version=$VERSION" \
	--config.label "org.opencontainers.image.revision=$revision" \
	--config.label "org.opencontainers.image.created=$created" \
	--config.label "org.opencontainers.image.source=https://github.com/nettrail/nettrail" \
	--config.label "org.opencontainers.image.ref.name=$REPO:$VERSION" \
	--history.comment "entrypoint /usr/bin/nettrail" --history.created_by "tools/make_image.sh"
umoci gc --layout "$OUTDIR"
rm -f "$ARCHIVE"
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$OUTDIR" -cf "$ARCHIVE" .
echo "image $REPO:$VERSION: OCI layout $OUTDIR (tag $VERSION), archive $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1))"
