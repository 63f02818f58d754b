#!/usr/bin/env bash
# The container image, built and run without a container engine:
# tools/make_image.sh builds the OCI layout (build/image/oci, tag VERSION) and
# its archive; the suite checks the layout (one manifest tagged VERSION = the
# chart's default image tag, one layer, entrypoint /usr/bin/nettrail, user 0),
# unpacks it with umoci into a bundle, checks the root filesystem holds
# exactly the binary, the libraries ldd lists (with their symlinks and the
# loader) and the CA bundle, and then, chrooted into that root filesystem
# with /proc and /sys/kernel/btf mounted as in the pod:
#   - /usr/bin/nettrail --version prints exactly what build/nettrail prints,
#     "nettrail VERSION (...)";
#   - a --pcap replay of a generated capture (tests/lib/corpus_to_pcap.py)
#     gives the same records as the same replay outside the chroot (modulo
#     the per-run nettrail.record_id and nettrail.flow.id; heartbeat aside),
#     and the expected number of flows;
#   - --check-config with the settings the chart passes.
# Needs root (chroot, mounts, root-owned layer files), umoci, python3. A
# missing tool is a failure, never a skip. Ends with "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
OUT=build/image-test
LAYOUT=build/image/oci
pass=0 fail=0
work=''

ok() { echo "ok $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
finish() {
	trap - EXIT
	[ -n "$work" ] && rm -rf "$work"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
	exit
}
trap finish EXIT

rm -rf "$OUT"
mkdir -p "$OUT"
[ "$(id -u)" -eq 0 ] || { no tools "needs root (chroot, mounts)"; finish; }
for t in umoci python3 unshare chroot mount ldd strip tar sha256sum; do
	command -v "$t" >/dev/null || no tools "$t is missing (umoci: apt-get install umoci)"
done
[ "$fail" -eq 0 ] || finish
ok "tools: umoci $(umoci --version | awk '{print $3}')"

if ! make all >"$OUT/make.log" 2>&1; then
	no build "make all failed: $(tail -5 "$OUT/make.log")"; finish
fi
VERSION=$(sed -n 's/^VERSION *:= *\([^ ]*\).*/\1/p' Makefile)
APP_VERSION=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' charts/nettrail/Chart.yaml)
REPO=$(sed -n 's/^  repository: *//p' charts/nettrail/values.yaml | head -1)
ARCHIVE=build/image/nettrail-$VERSION.oci.tar

# ---- build ----------------------------------------------------------------
t=$SECONDS
if tools/make_image.sh >"$OUT/make_image.log" 2>&1; then
	ok "tools/make_image.sh ($((SECONDS - t)) s): $(tail -1 "$OUT/make_image.log")"
else
	no make_image "$(tail -5 "$OUT/make_image.log")"; finish
fi
work=$(mktemp -d -t nt-image-test.XXXXXX)

# ---- layout, manifest, config ---------------------------------------------
layout_checks=$(python3 - "$LAYOUT" "$VERSION" "$APP_VERSION" "$REPO" <<'PY'
import hashlib, json, os, sys
layout, version, app_version, repo = sys.argv[1:5]
def blob(d):
    p = os.path.join(layout, "blobs", *d["digest"].split(":", 1))
    data = open(p, "rb").read()
    ok = hashlib.sha256(data).hexdigest() == d["digest"].split(":", 1)[1] and len(data) == d["size"]
    return data, ok
def check(name, cond, why=""):
    print(f"ok {name}" if cond else f"FAIL {name}: {why}")
check("oci-layout imageLayoutVersion 1.0.0",
      json.load(open(os.path.join(layout, "oci-layout"))).get("imageLayoutVersion") == "1.0.0")
idx = json.load(open(os.path.join(layout, "index.json")))
tags = [m.get("annotations", {}).get("org.opencontainers.image.ref.name") for m in idx["manifests"]]
check(f"index: one manifest, tagged {version}", tags == [version], f"{tags}")
check(f"tag = chart appVersion ({app_version}), repository {repo}",
      version == app_version and repo == "ghcr.io/nettrail/nettrail", f"tag {version}, appVersion {app_version}, repo {repo}")
man_raw, good = blob(idx["manifests"][0])
check("manifest blob digest and size", good)
man = json.loads(man_raw)
layers = man.get("layers", [])
check("one layer, gzip tar", len(layers) == 1 and layers[0]["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip",
      f"{[l['mediaType'] for l in layers]}")
check("layer blob digest and size", all(blob(l)[1] for l in layers))
cfg_raw, good = blob(man["config"])
cfg = json.loads(cfg_raw)
c = cfg.get("config", {})
check("config blob digest and size", good)
check("entrypoint [/usr/bin/nettrail], no cmd", c.get("Entrypoint") == ["/usr/bin/nettrail"] and not c.get("Cmd"),
      f"Entrypoint {c.get('Entrypoint')} Cmd {c.get('Cmd')}")
check("user 0:0", c.get("User") == "0:0", f"{c.get('User')}")
check("os linux, architecture of this machine", cfg.get("os") == "linux" and cfg.get("architecture") in ("amd64", "arm64"),
      f"{cfg.get('os')}/{cfg.get('architecture')}")
lab = c.get("Labels") or {}
check(f"label org.opencontainers.image.version={version}", lab.get("org.opencontainers.image.version") == version, f"{lab}")
check("one diff_id per layer", len(cfg.get("rootfs", {}).get("diff_ids", [])) == len(layers))
PY
)
while IFS= read -r line; do
	case $line in
	ok\ *) echo "$line"; pass=$((pass + 1)) ;;
	FAIL\ *) echo "$line"; fail=$((fail + 1)) ;;
	*) echo "# $line" ;;
	esac
done <<<"$layout_checks"

# the archive is the same layout
mkdir -p "$work/from-archive"
if tar -C "$work/from-archive" -xf "$ARCHIVE" 2>"$OUT/err" &&
	diff -r "$LAYOUT" "$work/from-archive" >"$OUT/err" 2>&1; then
	ok "archive $ARCHIVE holds the same OCI layout ($(du -h "$ARCHIVE" | cut -f1))"
else
	no archive "$(head -3 "$OUT/err")"
fi

# ---- unpack, root filesystem contents --------------------------------------
if umoci unpack --image "$work/from-archive:$VERSION" "$work/bundle" >"$OUT/unpack.log" 2>&1; then
	ok "umoci unpack of the archive's image $VERSION"
else
	no unpack "$(tail -3 "$OUT/unpack.log")"; finish
fi
R=$work/bundle/rootfs
# what the root filesystem must hold, from ldd (the same rule as make_image.sh,
# computed here independently: every ldd path, its symlink chain, the file)
expected=$(
	{ echo /usr/bin/nettrail; echo /etc/ssl/certs/ca-certificates.crt
	  ldd build/nettrail | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' |
	  while read -r p; do
		for _ in $(seq 40); do
			d=$(readlink -f "$(dirname "$p")"); f=$d/$(basename "$p"); echo "$f"
			[ -L "$f" ] || break
			t=$(readlink "$f"); case $t in /*) p=$t ;; *) p=$d/$t ;; esac
		done
	  done; } | sort -u)
actual=$(cd "$R" && find . \( -type f -o -type l \) ! -path ./lib ! -path ./lib64 \
	! -path ./usr/lib/ssl/cert.pem ! -path ./usr/lib/ssl/certs | sed 's/^\.//' | sort)
if [ "$expected" = "$actual" ]; then
	ok "rootfs: exactly nettrail, the CA bundle and the $(($(wc -l <<<"$expected") - 2)) library files and links ldd implies"
else
	no rootfs "differs from the ldd set: $(diff <(echo "$expected") <(echo "$actual") | grep '^[<>]' | head -5 | tr '\n' ' ')"
fi
if [ "$(readlink "$R/lib")" = usr/lib ] && [ "$(readlink "$R/lib64")" = usr/lib64 ] &&
	[ "$(readlink "$R/usr/lib/ssl/cert.pem")" = /etc/ssl/certs/ca-certificates.crt ] &&
	[ "$(readlink "$R/usr/lib/ssl/certs")" = /etc/ssl/certs ]; then
	ok "rootfs: merged /usr links (lib, lib64) and OpenSSL's default CA paths"
else
	no rootfs-links "lib=$(readlink "$R/lib") lib64=$(readlink "$R/lib64") cert.pem=$(readlink "$R/usr/lib/ssl/cert.pem")"
fi
if [ ! -e "$R/bin/sh" ] && [ ! -e "$R/usr/bin/sh" ] && [ ! -e "$R/etc/passwd" ] &&
	[ "$(find "$R/usr/bin" -mindepth 1 | wc -l)" -eq 1 ]; then
	ok "rootfs: no shell, no /etc/passwd, /usr/bin holds nettrail alone"
else
	no rootfs-minimal "$(find "$R/usr/bin" "$R/bin" "$R/etc" -maxdepth 1 2>/dev/null | head -5 | tr '\n' ' ')"
fi
if cmp -s "$R/etc/ssl/certs/ca-certificates.crt" /etc/ssl/certs/ca-certificates.crt; then
	ok "rootfs: CA bundle ($(grep -c 'BEGIN CERTIFICATE' "$R/etc/ssl/certs/ca-certificates.crt") certificates)"
else
	no ca-bundle "differs from /etc/ssl/certs/ca-certificates.crt"
fi
owners=$(find "$R" ! -user 0 -o ! -group 0 | head -3)
mode=$(stat -c %a "$R/usr/bin/nettrail")
if [ -z "$owners" ] && [ "$mode" = 755 ] && [ "$(stat -c %a "$R/tmp")" = 1777 ] &&
	[ -d "$R/var/lib/nettrail/spool" ]; then
	ok "rootfs: root-owned, nettrail 0755, /tmp 1777, /var/lib/nettrail/spool"  # fixed-path-ok: the image rootfs
else
	no rootfs-perms "not root: $owners; nettrail mode $mode; tmp $(stat -c %a "$R/tmp")"
fi

# ---- run inside the image's root filesystem --------------------------------
# A private mount namespace with what a container runtime and the chart give
# the pod: /proc, a read-only sysfs at /sys (libbpf reads the possible CPUs
# there for per-CPU maps), /sys/kernel/btf bound read-only, /dev. The mounts
# vanish with the namespace.
in_image() { # command... (runs chrooted in $R)
	# shellcheck disable=SC2016
	unshare --mount --propagation private sh -c '
		r=$0
		mkdir -p "$r/proc" "$r/sys" "$r/dev" &&
		mount -t proc proc "$r/proc" &&
		mount -t sysfs -o ro sysfs "$r/sys" &&
		mount --bind -o ro /sys/kernel/btf "$r/sys/kernel/btf" &&
		mount --rbind /dev "$r/dev" &&
		exec chroot "$r" "$@"' "$R" "$@"
}

want_version=$(build/nettrail --version 2>&1)
got_version=$(in_image /usr/bin/nettrail --version 2>&1)
if [ "$got_version" = "$want_version" ] && [[ $got_version == "nettrail $VERSION ("* ]]; then
	ok "chroot: /usr/bin/nettrail --version = '$got_version'"
else
	no version "chroot '$got_version', build/nettrail '$want_version'"
fi

# no env (nor any other tool) in the image: this must fail
if ! cfg=$(in_image /usr/bin/env -i 2>/dev/null) && [ -z "$cfg" ]; then
	ok "chroot: no /usr/bin/env or other tools in the image"
else
	no image-tools "/usr/bin/env ran inside the image"
fi

mkdir -p "$R/tmp/nt-test"
if summary=$(python3 tests/lib/corpus_to_pcap.py "$R/tmp/nt-test/c.pcap" --mutations 2 2>"$OUT/err"); then
	ok "capture: $summary"
else
	no capture "$(tail -3 "$OUT/err")"; finish
fi
flows=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["flows"])' "$summary")
cp "$R/tmp/nt-test/c.pcap" "$OUT/c.pcap"
# the same file name inside and outside (observer.interface is the capture's name)
mkdir -p "$work/host/nt-test" && cp "$OUT/c.pcap" "$work/host/nt-test/c.pcap"
in_tmp=/tmp/nt-test # fixed-path-ok: the chroot's own /tmp, made fresh above
in_image /usr/bin/nettrail --pcap "$in_tmp/c.pcap" -o "file:$in_tmp/out.jsonl" \
	>"$OUT/chroot.stdout" 2>"$OUT/chroot.stderr"
rc_in=$?
(cd "$work/host/nt-test" && "$root/build/nettrail" --pcap c.pcap -o file:out.jsonl) \
	>"$OUT/host.stdout" 2>"$OUT/host.stderr"
rc_out=$?
cp "$R/tmp/nt-test/out.jsonl" "$OUT/chroot.jsonl" 2>/dev/null
cp "$work/host/nt-test/out.jsonl" "$OUT/host.jsonl" 2>/dev/null
if [ $rc_in -eq 0 ] && [ $rc_out -eq 0 ]; then
	ok "chroot: --pcap replay exits 0 (and outside)"
else
	no replay "chroot exit $rc_in ($(tail -2 "$OUT/chroot.stderr" | tr '\n' ' ')), host exit $rc_out ($(tail -2 "$OUT/host.stderr" | tr '\n' ' '))"
fi
cmp_out=$(python3 - "$OUT/chroot.jsonl" "$OUT/host.jsonl" "$flows" <<'PY'
import json, sys
def load(p):
    recs, hb = [], []
    try:
        lines = open(p).read().splitlines()
    except OSError as e:
        print(f"FAIL read {p}: {e}")
        return [], []
    for l in lines:
        r = json.loads(l)
        ds = r.get("event", {}).get("dataset")
        nt = r.get("nettrail", {})
        nt.pop("record_id", None)                # per run
        (nt.get("flow") or {}).pop("id", None)   # keyed per run
        (hb if ds == "nettrail.heartbeat" else recs).append((ds, json.dumps(r, sort_keys=True)))
    return recs, hb
a, ha = load(sys.argv[1])
b, hb = load(sys.argv[2])
want_flows = int(sys.argv[3])
n_flow = sum(1 for ds, _ in a if ds == "nettrail.flow")
n_dns = sum(1 for ds, _ in a if ds == "nettrail.dns")
if n_flow == want_flows:
    print(f"ok chroot: {n_flow} flow records, one per flow in the capture ({n_dns} DNS records)")
else:
    print(f"FAIL chroot: {n_flow} flow records, the capture has {want_flows} flows")
if a and sorted(a) == sorted(b):
    print(f"ok chroot = host: the same {len(a)} flow and DNS records (record_id and flow.id aside)")
else:
    sa, sb = set(a), set(b)
    print(f"FAIL chroot = host: {len(a)} vs {len(b)} records; only in chroot: {len(sa - sb)}, only outside: {len(sb - sa)}; "
          f"e.g. {sorted(sa - sb)[:1]}")
def counters(h):
    return json.loads(h[-1][1])["nettrail"]["heartbeat"]["counters"] if h else None
ca, cb = counters(ha), counters(hb)
if ca is not None and ca == cb:
    print(f"ok chroot = host: final heartbeat counters equal ({ca.get('packets')} packets)")
else:
    print(f"FAIL heartbeat counters: chroot {ca}, host {cb}")
PY
)
while IFS= read -r line; do
	case $line in
	ok\ *) echo "$line"; pass=$((pass + 1)) ;;
	FAIL\ *) echo "$line"; fail=$((fail + 1)) ;;
	*) echo "# $line" ;;
	esac
done <<<"$cmp_out"

# --check-config with what the chart passes by default (settings from its
# ConfigMap as flags here; the chart's own suite checks the env form)
mkdir -p "$R/host/sys/fs/cgroup"
# shellcheck disable=SC2016
if out=$(unshare --mount --propagation private sh -c '
		r=$0
		mount --bind -o ro /sys/fs/cgroup "$r/host/sys/fs/cgroup" && exec chroot "$r" "$@"' "$R" \
		/usr/bin/nettrail --check-config --cluster-name prod --output kafka --kafka-brokers kafka:9092 \
		--spool-dir /var/lib/nettrail/spool --cgroup-root /host/sys/fs/cgroup --k8s on \
		--metrics-addr 0.0.0.0:9464 --kafka-prop compression.type=lz4 2>&1) &&
	grep -qx 'cluster-name=prod' <<<"$out" && grep -qx 'spool-dir=/var/lib/nettrail/spool' <<<"$out"; then
	ok "chroot: --check-config with the chart's default settings exits 0"
else
	no check-config "$(tail -3 <<<"$out" | tr '\n' ' ')"
fi

# ---- the Containerfile builds the same root filesystem ----------------------
# (no container engine here: its steps are checked to be the same script)
if grep -q '^FROM debian:bookworm' Containerfile && grep -q '^FROM scratch' Containerfile &&
	grep -q 'tools/make_image.sh --rootfs /rootfs' Containerfile &&
	grep -q '^COPY --from=build /rootfs/ /' Containerfile &&
	grep -q '^ENTRYPOINT \["/usr/bin/nettrail"\]' Containerfile &&
	grep -q '^USER 0:0' Containerfile &&
	grep -q "org.opencontainers.image.version=\"$VERSION\"" Containerfile; then
	ok "Containerfile: bookworm build stage, scratch runtime from tools/make_image.sh --rootfs, same entrypoint, user and version label"
else
	no Containerfile "does not build the runtime stage with tools/make_image.sh --rootfs"
fi

finish
