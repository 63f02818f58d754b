"""tests/k8s/k8s_client_driver.c (the sensor's Kubernetes client, user/enrich/k8s*.c,
alone) built and driven line by line, as tests/suites/k8s_client.sh does
against the fake server."""
import subprocess
import time
from pathlib import Path

import rig

R = rig.ROOT


def build(out):
    """Compiles the driver to OUT (the same sources and flags as k8s_client.sh)."""
    srcs = ["tests/k8s/k8s_client_driver.c", "tests/k8s/synth_pods.c", "user/enrich/k8s.c",
            "user/enrich/k8s_config.c", "user/enrich/k8s_ident.c", "user/encode/json.c", "user/log.c"]
    inc = [f"-I{R / d}" for d in ("include", "user", "user/enrich", "user/encode", "user/datapath")]
    r = subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-g", "-Wall", *inc, "-o", str(out),
                        *[str(R / s) for s in srcs], "-lcurl", "-ljson-c", "-lyaml", "-lpthread"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"driver build failed: {r.stderr[-2000:]}")
    return Path(out)


class Driver:
    """`client` mode: one command per line, one answer line each."""

    def __init__(self, exe, url, ca, token_file, *opts, stderr=None):
        self.err_path = stderr
        self.p = subprocess.Popen([str(exe), "client", "--api", url, "--ca", str(ca), "--token",
                                   str(token_file), *map(str, opts)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=open(stderr, "ab") if stderr else subprocess.DEVNULL,
                                  text=True, bufsize=1)
        self.t0 = time.monotonic()

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        out = self.p.stdout.readline()
        if not out:
            raise RuntimeError(f"driver gone on '{line}': {self.stderr()}")
        return out.rstrip("\n")

    def stats(self):
        return dict(kv.split("=", 1) for kv in self.ask("stats").split())

    def stat(self, name):
        return int(self.stats()[name])

    def wait_stat(self, name, want, secs):
        """Polls stat NAME (any value, e.g. forbidden_resources) until it is
        WANT or SECS pass; returns the last value."""
        deadline = time.time() + secs
        while (got := self.stats()[name]) != want and time.time() < deadline:
            time.sleep(0.1)
        return got

    def waitstat(self, secs, name, op, n):
        return self.ask(f"waitstat {secs} {name} {op} {n}")

    def lookup(self, ip):
        return self.ask(f"lookup {ip}")

    def expect(self, secs, ip, answer):
        return self.ask(f"expect {secs} {ip} {answer}")

    def rss_kb(self, field="VmRSS"):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return None

    def stderr(self):
        return Path(self.err_path).read_text(errors="replace")[-3000:] if self.err_path else ""

    def quit(self):
        if self.p.poll() is None:
            try:
                self.ask("quit")
            except (RuntimeError, BrokenPipeError):
                pass
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()

