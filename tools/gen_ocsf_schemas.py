#!/usr/bin/python3
"""Generate the OCSF class schemas nettrail's OCSF records are validated against.

usage: gen_ocsf_schemas.py [--check] [--out DIR]

For OCSF 1.1.0 and 1.8.0, and for Network Activity (4001) and DNS Activity
(4003), writes the draft 2020-12 JSON Schema of the class with the profiles
nettrail declares (host, container, datetime; and the same plus cloud, which
a record declares when --cloud-provider is set) to
docs/schema/ocsf/<version>/<class>[.cloud].schema.json (or under --out).

The schemas come from the PyPI package ocsf-json-schema (MIT; the compiled
OCSF schemas of every release, embedded per class and profile set):
    OcsfJsonSchemaEmbedded(get_ocsf_schema(version=V)).get_class_schema(C, profiles=P)
It is installed with pip into $HOME/.cache/nettrail/ocsf-json-schema-<ver>
the first time (later runs need no network). Not ocsf-lib's compiler: its
output keeps wrong at-least-one constraints on network_endpoint and process.

--check: generate into a temporary directory and compare with the committed
files; exit 1 on a difference, 0 when equal, 3 when the package cannot be
installed (no network and no cache: the caller decides what that means).
"""
import filecmp
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = "ocsf-json-schema"
PACKAGE_VERSION = "1.2.0"
VERSIONS = ("1.1.0", "1.8.0")
CLASSES = ("network_activity", "dns_activity")
PROFILES = {"": ["host", "container", "datetime"],
            ".cloud": ["host", "container", "datetime", "cloud"]}
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "docs" / "schema" / "ocsf"


def package_dir():
    """The package's install directory under the cache, installed when missing."""
    cache = Path(os.environ.get("HOME", "/root")) / ".cache" / "nettrail"
    target = cache / f"ocsf-json-schema-{PACKAGE_VERSION}"
    if not (target / "ocsf_json_schema" / "__init__.py").exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="ocsf-pip.", dir=cache))
        r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                            "--disable-pip-version-check", "--target", str(tmp),
                            f"{PACKAGE}=={PACKAGE_VERSION}"],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            subprocess.run(["rm", "-rf", str(tmp)])
            raise OSError(f"pip install {PACKAGE}=={PACKAGE_VERSION} failed: "
                          f"{r.stderr.strip().splitlines()[-1:]}")
        os.replace(tmp, target)
    return target


def generate(out):
    sys.path.insert(0, str(package_dir()))
    from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema
    for version in VERSIONS:
        embedded = OcsfJsonSchemaEmbedded(get_ocsf_schema(version=version))
        (out / version).mkdir(parents=True, exist_ok=True)
        for cls in CLASSES:
            for suffix, profiles in PROFILES.items():
                schema = embedded.get_class_schema(cls, profiles=list(profiles))
                path = out / version / f"{cls}{suffix}.schema.json"
                path.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")


def main(argv):
    check = "--check" in argv
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else DEFAULT_OUT
    try:
        if not check:
            generate(out)
            print(f"wrote {len(VERSIONS) * len(CLASSES) * len(PROFILES)} schemas under {out}")
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp))
            bad = []
            for version in VERSIONS:
                for f in sorted((Path(tmp) / version).iterdir()):
                    committed = out / version / f.name
                    if not committed.exists() or not filecmp.cmp(f, committed, shallow=False):
                        bad.append(str(committed))
            if bad:
                print("differ from the generated schemas (run tools/gen_ocsf_schemas.py): "
                      + ", ".join(bad), file=sys.stderr)
                return 1
            print(f"the committed OCSF schemas equal the generated ones ({PACKAGE} "
                  f"{PACKAGE_VERSION})")
            return 0
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"cannot generate: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
