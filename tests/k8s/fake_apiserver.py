#!/usr/bin/python3
"""A fake Kubernetes API server for nettrail's list+watch tests.

Standard library only (Debian's /usr/bin/python3). It speaks the wire format of
kube-apiserver for the read-only verbs an informer uses (list, watch, get) on:

  pods services nodes namespaces endpointslices replicasets deployments
  statefulsets daemonsets jobs cronjobs

    fake_apiserver.py --state FILE.json --port 0 --cert C --key K --token-file T
                      [--control-port N] [--bookmark-interval S] [-v]

prints "LISTENING api=<port> control=<port>" on stdout once both listeners are up.

API side (HTTPS, HTTP/1.1, bearer token re-read from --token-file per request):
  GET /api/v1/pods                            list, all namespaces
  GET /api/v1/namespaces/{ns}/pods            list, one namespace
  GET /api/v1/namespaces/{ns}/pods/{name}     get
  GET /apis/apps/v1/replicasets ...           same shapes for the other groups
  GET /api/v1/watch/... (legacy)  or  ?watch=1
  query: resourceVersion, resourceVersionMatch, limit, continue, fieldSelector,
         labelSelector, watch, allowWatchBookmarks, timeoutSeconds,
         sendInitialEvents
  also /version, /healthz, /livez, /readyz, /api, /apis, /api/v1, /apis/G/V

Control side (plain HTTP on 127.0.0.1, JSON bodies, any method):
  /add              {"object": {...}}                       -> ADDED
  /modify           {"object": {...}} (replace) or
                    {"kind","namespace","name","patch"}     -> MODIFIED (merge patch)
  /delete           {"kind","namespace","name"[,"graceful"]} -> [MODIFIED] DELETED
  /drop_watches     {"mode": "abrupt"|"rst"|"partial"|"clean"|"expired"}
  /set_delay_ms     {"ms": N[, "match": "substring of path"]}
  /expire_before_rv {"rv": N}  (default: the current RV)
  /fail_next        {"count": N, "status": S[, "match": "substring of path"]}
  /bump_rv          {"count": N}  unrelated writes: the global RV advances
  /bookmark         send a BOOKMARK now to every watch that allows them
  /set_bookmark_interval {"seconds": S}
  /set_expired_mode {"mode": "event"|"http"}  how a watch from a too old RV fails
  /stats  /reset_stats  /state
"""

import argparse
import base64
import bisect
import copy
import datetime
import gzip
import json
import os
import select
import socket
import ssl
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# resource -> (group, version, kind, namespaced, shortest "empty" body that the
# Go structs serialise to; used for BOOKMARK objects like the real server does)
_TEMPLATE = {"metadata": {"creationTimestamp": None}, "spec": {"containers": None}}
RESOURCES = {
    "pods": ("", "v1", "Pod", True, {"spec": {"containers": None}, "status": {}}),
    "services": ("", "v1", "Service", True, {"spec": {}, "status": {"loadBalancer": {}}}),
    "nodes": ("", "v1", "Node", False, {"spec": {}, "status": {"daemonEndpoints": {"kubeletEndpoint": {"Port": 0}}, "nodeInfo": {
        "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "", "osImage": "",
        "containerRuntimeVersion": "", "kubeletVersion": "", "kubeProxyVersion": "",
        "operatingSystem": "", "architecture": ""}}}),
    "namespaces": ("", "v1", "Namespace", False, {"spec": {}, "status": {}}),
    "endpointslices": ("discovery.k8s.io", "v1", "EndpointSlice", True, {"addressType": "", "endpoints": None}),
    "replicasets": ("apps", "v1", "ReplicaSet", True, {"spec": {"selector": None, "template": _TEMPLATE}, "status": {"replicas": 0}}),
    "deployments": ("apps", "v1", "Deployment", True, {"spec": {"selector": None, "template": _TEMPLATE, "strategy": {}}, "status": {}}),
    "statefulsets": ("apps", "v1", "StatefulSet", True, {"spec": {"selector": None, "template": _TEMPLATE, "serviceName": "",
                     "updateStrategy": {}}, "status": {"replicas": 0, "availableReplicas": 0}}),
    "daemonsets": ("apps", "v1", "DaemonSet", True, {"spec": {"selector": None, "template": _TEMPLATE, "updateStrategy": {}},
                   "status": {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0, "numberReady": 0}}),
    "jobs": ("batch", "v1", "Job", True, {"spec": {"template": _TEMPLATE}, "status": {}}),
    "cronjobs": ("batch", "v1", "CronJob", True, {"spec": {"schedule": "", "jobTemplate": {"metadata": {"creationTimestamp": None},
                 "spec": {"template": _TEMPLATE}}}, "status": {}}),
}
KIND_TO_RESOURCE = {v[2]: k for k, v in RESOURCES.items()}
SINGULAR = {"endpointslices": "endpointslice", "replicasets": "replicaset", "daemonsets": "daemonset",
            "statefulsets": "statefulset", "deployments": "deployment", "cronjobs": "cronjob", "jobs": "job",
            "pods": "pod", "services": "service", "nodes": "node", "namespaces": "namespace"}
SHORT_NAMES = {"pods": ["po"], "services": ["svc"], "nodes": ["no"], "namespaces": ["ns"], "replicasets": ["rs"],
               "deployments": ["deploy"], "statefulsets": ["sts"], "daemonsets": ["ds"], "cronjobs": ["cj"]}


def api_version(res):
    g, v = RESOURCES[res][0], RESOURCES[res][1]
    return f"{g}/{v}" if g else v


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def dump(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


# ---------------------------------------------------------------- selectors

def _get_path(obj, dotted):
    cur = obj
    for part in dotted.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _field_text(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


# Fields the real apiserver accepts in fieldSelector, per resource (plus
# metadata.name and metadata.namespace everywhere). Anything else is a 400.
FIELD_LABELS = {
    "pods": {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
             "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"},
    "nodes": {"spec.unschedulable"},
    "namespaces": {"status.phase"},
    "replicasets": {"status.replicas"},
    "jobs": {"status.successful"},
}


class BadRequest(Exception):
    pass


def parse_field_selector(res, text):
    terms = []
    for raw in filter(None, (t.strip() for t in (text or "").split(","))):
        for op in ("!=", "==", "="):
            if op in raw:
                k, v = raw.split(op, 1)
                k, v = k.strip(), v.strip()
                break
        else:
            raise BadRequest(f'invalid selector: \'{text}\'; can\'t understand \'{raw}\'')
        if k not in ("metadata.name", "metadata.namespace") and k not in FIELD_LABELS.get(res, ()):
            raise BadRequest(f'field label not supported: {k}')
        terms.append((k, op != "!=", v))
    return terms


def field_match(terms, obj):
    for k, eq, v in terms:
        if k == "spec.hostNetwork" and _get_path(obj, k) is None:
            got = "false"
        else:
            got = _field_text(_get_path(obj, k))
        if (got == v) != eq:
            return False
    return True


def _split_top(text):
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [t.strip() for t in out if t.strip()]


def parse_label_selector(text):
    terms = []
    for raw in _split_top(text or ""):
        low = f" {raw} "
        if " notin " in low or " in " in low:
            neg = " notin " in low
            k, rest = raw.split(" notin " if neg else " in ", 1)
            rest = rest.strip()
            if not (rest.startswith("(") and rest.endswith(")")):
                raise BadRequest(f"unable to parse requirement: {raw}")
            vals = {v.strip() for v in rest[1:-1].split(",") if v.strip()}
            terms.append(("notin" if neg else "in", k.strip(), vals))
        elif "!=" in raw:
            k, v = raw.split("!=", 1)
            terms.append(("notin", k.strip(), {v.strip()}))
        elif "=" in raw:
            k, v = raw.split("==", 1) if "==" in raw else raw.split("=", 1)
            terms.append(("in", k.strip(), {v.strip()}))
        elif raw.startswith("!"):
            terms.append(("absent", raw[1:].strip(), None))
        else:
            terms.append(("exists", raw, None))
    return terms


def label_match(terms, obj):
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for op, k, vals in terms:
        if op == "in" and labels.get(k) not in vals:
            return False
        if op == "notin" and k in labels and labels[k] in vals:
            return False
        if op == "exists" and k not in labels:
            return False
        if op == "absent" and k in labels:
            return False
    return True


# ---------------------------------------------------------------- store

def obj_key(res, obj):
    md = obj["metadata"]
    return f'{md["namespace"]}/{md["name"]}' if RESOURCES[res][3] else md["name"]


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


class StoreError(Exception):
    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code


class Store:
    """All objects plus the retained change history, under one Condition.

    The resource version is one global counter (like an etcd revision). Events
    with rv > compact_rv are retained; anything at or before it is folded away,
    so watches from older RVs and continue tokens taken before it get 410."""

    def __init__(self, max_history):
        self.cond = threading.Condition()
        self.rv = 0
        self.compact_rv = 0
        self.objects = {r: {} for r in RESOURCES}
        self.events = []        # {"rv", "type", "res", "key", "obj", "prev"}
        self.event_rvs = []
        self.max_history = max_history
        self.max_dropped_rv = 0  # newest event folded away by compaction
        self.drop_gen = 0
        self.drop_mode = "abrupt"
        self.bookmark_gen = 0

    # -- helpers (caller holds the lock)
    def _resolve(self, kind_or_res):
        if kind_or_res in RESOURCES:
            return kind_or_res
        if kind_or_res in KIND_TO_RESOURCE:
            return KIND_TO_RESOURCE[kind_or_res]
        raise StoreError(400, f"unknown kind or resource {kind_or_res!r}")

    def _append(self, typ, res, key, obj, prev):
        self.events.append({"rv": self.rv, "type": typ, "res": res, "key": key, "obj": obj, "prev": prev})
        self.event_rvs.append(self.rv)
        if self.max_history and len(self.events) > self.max_history:
            self._compact(self.events[-self.max_history - 1]["rv"])
        self.cond.notify_all()

    def _compact(self, upto):
        upto = max(self.compact_rv, min(int(upto), self.rv))
        i = bisect.bisect_right(self.event_rvs, upto)
        if i:
            self.max_dropped_rv = max(self.max_dropped_rv, self.event_rvs[i - 1])
        del self.events[:i]
        del self.event_rvs[:i]
        self.compact_rv = upto
        self.cond.notify_all()
        return upto

    def _normalise(self, obj):
        if not isinstance(obj, dict) or "kind" not in obj:
            raise StoreError(400, "object needs a kind")
        res = self._resolve(obj["kind"])
        obj = copy.deepcopy(obj)
        obj["kind"] = RESOURCES[res][2]
        obj["apiVersion"] = api_version(res)
        md = obj.setdefault("metadata", {})
        if not md.get("name"):
            raise StoreError(400, "object needs metadata.name")
        if RESOURCES[res][3]:
            md.setdefault("namespace", "default")
        else:
            md.pop("namespace", None)
        return res, obj

    # -- mutations
    def add(self, obj, deterministic_uid=False):
        with self.cond:
            res, obj = self._normalise(obj)
            key = obj_key(res, obj)
            if key in self.objects[res]:
                raise StoreError(409, f'{res} "{obj["metadata"]["name"]}" already exists')
            md = obj["metadata"]
            if not md.get("uid"):
                md["uid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"nettrail-fake/{res}/{key}")
                                if deterministic_uid else uuid.uuid4())
            md.setdefault("creationTimestamp", now_rfc3339())
            if res in ("deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs"):
                md.setdefault("generation", 1)
            self.rv += 1
            md["resourceVersion"] = str(self.rv)
            self.objects[res][key] = obj
            self._append("ADDED", res, key, obj, None)
            return obj

    def _lookup(self, kind, namespace, name):
        res = self._resolve(kind)
        key = f"{namespace or 'default'}/{name}" if RESOURCES[res][3] else name
        cur = self.objects[res].get(key)
        if cur is None:
            raise StoreError(404, f'{res} "{name}" not found')
        return res, key, cur

    def modify(self, obj=None, kind=None, namespace=None, name=None, patch=None):
        with self.cond:
            if obj is not None:
                res, new = self._normalise(obj)
                res, key, cur = self._lookup(res, new["metadata"].get("namespace"), new["metadata"]["name"])
            else:
                res, key, cur = self._lookup(kind, namespace, name)
                new = merge_patch(cur, patch or {})
            md, old_md = new.setdefault("metadata", {}), cur["metadata"]
            for f in ("uid", "creationTimestamp", "name", "namespace"):
                if f in old_md:
                    md[f] = old_md[f]
            new["kind"], new["apiVersion"] = cur["kind"], cur["apiVersion"]
            if "generation" in old_md:
                md["generation"] = old_md["generation"] + (1 if new.get("spec") != cur.get("spec") else 0)
            self.rv += 1
            md["resourceVersion"] = str(self.rv)
            self.objects[res][key] = new
            self._append("MODIFIED", res, key, new, cur)
            return new

    def delete(self, kind, namespace, name, graceful=False):
        with self.cond:
            res, key, cur = self._lookup(kind, namespace, name)
            if graceful:  # kubelet-style: deletionTimestamp first, then the removal
                self.modify(kind=res, namespace=namespace, name=name, patch={"metadata": {
                    "deletionTimestamp": now_rfc3339(), "deletionGracePeriodSeconds": 30}})
                cur = self.objects[res][key]
            self.rv += 1
            gone = copy.deepcopy(cur)
            gone["metadata"]["resourceVersion"] = str(self.rv)
            del self.objects[res][key]
            self._append("DELETED", res, key, gone, cur)
            return gone

    def compact(self, upto=None):
        with self.cond:
            return self._compact(self.rv if upto is None else upto)

    def bump(self, n):
        with self.cond:
            self.rv += max(0, int(n))
            self.cond.notify_all()
            return self.rv

    # -- reads (caller holds the lock)
    def snapshot(self, res, at):
        """{key: obj} for one resource as it was at resource version `at`."""
        snap = dict(self.objects[res])
        i = len(self.events)
        while i > 0 and self.events[i - 1]["rv"] > at:
            i -= 1
            ev = self.events[i]
            if ev["res"] != res:
                continue
            if ev["prev"] is None:
                snap.pop(ev["key"], None)
            else:
                snap[ev["key"]] = ev["prev"]
        return snap

    def events_after(self, rv):
        return self.events[bisect.bisect_right(self.event_rvs, rv):]


# ---------------------------------------------------------------- continue tokens
# Same shape as k8s.io/apiserver/pkg/storage: base64url(no padding) of
# {"v":"meta.k8s.io/v1","rv":N,"start":"<key after the last one returned>"}

def encode_continue(rv, start):
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_continue(token):
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        d = json.loads(raw)
        if d.get("v") != "meta.k8s.io/v1":
            raise ValueError("server does not recognize this encoded key")
        rv, start = int(d["rv"]), str(d["start"])
        if rv == 0 or rv < -1:
            raise ValueError("incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        return rv, start
    except (ValueError, KeyError, TypeError) as e:
        raise BadRequest(f"continue key is not valid: {e}")


# ---------------------------------------------------------------- state shared with handlers

class Config:
    def __init__(self, args):
        self.token_file = args.token_file
        self.bookmark_interval = args.bookmark_interval
        self.default_watch_timeout = args.default_watch_timeout
        self.expired_mode = args.expired_mode
        self.rv0_limit = args.rv0_limit
        self.gzip_min = args.gzip_min_bytes
        self.verbose = args.verbose
        self.lock = threading.Lock()
        self.delay_ms, self.delay_match = 0, ""
        self.fail_count, self.fail_status, self.fail_match = 0, 0, ""
        self.reset_stats()

    def reset_stats(self):   # active watches stay listed
        with self.lock:
            self.requests = {}
            self.requests_by_verb = {}
            self.total_requests = 0
            self.unauthorized = 0
            self.injected_failures = 0
            self.watches_started = 0
            if not hasattr(self, "watches"):
                self.watches, self.watch_seq = {}, 0

    def take_failure(self, path):
        with self.lock:
            if self.fail_count > 0 and self.fail_match in path:
                self.fail_count -= 1
                self.injected_failures += 1
                return self.fail_status
        return None

    def token(self):
        try:
            with open(self.token_file, "rb") as f:
                return f.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""


STATUS_REASON = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
                 406: "NotAcceptable", 409: "AlreadyExists", 410: "Expired", 422: "Invalid", 429: "TooManyRequests",
                 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}


def status_obj(code, message, reason=None, details=None, metadata=None):
    d = {"kind": "Status", "apiVersion": "v1", "metadata": metadata or {}, "status": "Failure",
         "message": message, "reason": reason or STATUS_REASON.get(code, ""), "code": code}
    if details is not None:
        d["details"] = details
    if d["reason"] == "":
        del d["reason"]
    return d


class HTTPError(Exception):
    def __init__(self, code, message, reason=None, details=None, metadata=None, headers=None):
        super().__init__(message)
        self.code = code
        self.body = status_obj(code, message, reason, details, metadata)
        self.headers = headers or {}


# ---------------------------------------------------------------- the API handler

class APIHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nettrail-fake-apiserver"
    sys_version = ""
    timeout = 300   # idle keep-alive connections

    store: Store = None
    cfg: Config = None

    def send_response(self, code, message=None):   # no Server header, like kube-apiserver
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def log_message(self, fmt, *args):
        if self.cfg.verbose:
            sys.stderr.write("api %s - %s\n" % (self.address_string(), fmt % args))

    # -- plumbing
    def _send_json(self, code, obj, headers=None):
        body = obj if isinstance(obj, bytes) else dump(obj)
        self.send_response(code)
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.cfg.gzip_min and len(body) >= self.cfg.gzip_min and \
                "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_text(self, code, text):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _count(self, verb, path):
        with self.cfg.lock:
            self.cfg.total_requests += 1
            self.cfg.requests[path] = self.cfg.requests.get(path, 0) + 1
            k = f"{verb} {path}"
            self.cfg.requests_by_verb[k] = self.cfg.requests_by_verb.get(k, 0) + 1

    def do_GET(self):
        try:
            self._handle()
        except HTTPError as e:
            self._send_json(e.code, e.body, e.headers)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout, TimeoutError):
            self.close_connection = True

    do_HEAD = do_GET

    def _not_allowed(self):
        self._drain_body()
        self._send_json(405, status_obj(405, "the server does not allow this method on the requested resource"))

    do_POST = do_PUT = do_PATCH = do_DELETE = _not_allowed

    def _drain_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)

    def _handle(self):
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        q = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        route = self._route(path)
        verb = route[0] if route else "other"
        if verb == "list" and q.get("watch", "").lower() in ("1", "true"):
            verb = "watch"
        self._count(verb, path)

        with self.cfg.lock:
            delay = self.cfg.delay_ms if self.cfg.delay_match in path else 0
        if delay:
            time.sleep(delay / 1000.0)
        st = self.cfg.take_failure(path)
        if st:
            raise self._injected(st, route, path)

        auth = self.headers.get("Authorization", "")
        want = self.cfg.token()
        if not want or not auth.startswith("Bearer ") or auth[len("Bearer "):].strip() != want:
            with self.cfg.lock:
                self.cfg.unauthorized += 1
            raise HTTPError(401, "Unauthorized")

        if route is None:
            raise HTTPError(404, "the server could not find the requested resource", details={})
        kind = route[0]
        if kind == "text":
            return self._send_text(200, route[1])
        if kind == "json":
            return self._send_json(200, route[1])
        _, res, ns, name = route
        if verb == "watch" or (kind == "get" and q.get("watch", "").lower() in ("1", "true")):
            return self._watch(res, ns, name, q, path)
        if kind == "get":
            return self._get(res, ns, name)
        return self._list(res, ns, q)

    def _injected(self, st, route, path):
        res = route[1] if route and route[0] in ("list", "get", "watch") else "resource"
        msgs = {429: ("Too many requests, please try again later.", {"retryAfterSeconds": 1}),
                403: (f'{res} is forbidden: User "system:serviceaccount:kube-system:nettrail" cannot list '
                      f'resource "{res}" in API group "" at the cluster scope', {"kind": res}),
                410: ("too old resource version: 1 (2)", None),
                500: ("Internal error occurred: injected failure", {"causes": [{"message": "injected failure"}]}),
                503: ("the server is currently unable to handle the request", None),
                504: ("Timeout: request did not complete within requested timeout", {"retryAfterSeconds": 1}),
                401: ("Unauthorized", None)}
        msg, details = msgs.get(st, (f"injected failure {st}", None))
        hdr = {"Retry-After": "1"} if st in (429, 503, 504) else {}
        return HTTPError(st, msg, details=details, headers=hdr)

    # -- routing: ("list"|"get", res, ns, name) | ("text", body) | ("json", obj) | None
    def _route(self, path):
        if path in ("/healthz", "/livez", "/readyz"):
            return ("text", "ok")
        if path == "/version":
            return ("json", {"major": "1", "minor": "30", "gitVersion": "v1.30.0-nettrail-fake",
                             "gitCommit": "0" * 40, "gitTreeState": "clean", "buildDate": "2024-04-17T00:00:00Z",
                             "goVersion": "go1.22.2", "compiler": "gc", "platform": "linux/amd64"})
        parts = [p for p in path.split("/") if p]
        if not parts:
            return None
        if parts == ["api"]:
            return ("json", {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.server.server_address[1]}"}]})
        if parts == ["apis"]:
            groups = sorted({RESOURCES[r][0] for r in RESOURCES} - {""})
            return ("json", {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": f"{g}/v1", "version": "v1"}} for g in groups]})
        if parts[0] == "api" and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        gv = f"{group}/{version}" if group else version
        mine = [r for r, v in RESOURCES.items() if v[0] == group and v[1] == version]
        if not mine:
            return None
        if not rest:
            return ("json", {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": [
                {"name": r, "singularName": SINGULAR[r], "namespaced": RESOURCES[r][3], "kind": RESOURCES[r][2],
                 "verbs": ["get", "list", "watch"], **({"shortNames": SHORT_NAMES[r]} if r in SHORT_NAMES else {})}
                for r in mine]})
        watch_prefix = False
        if rest[0] == "watch":
            watch_prefix, rest = True, rest[1:]
        ns = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            ns, rest = rest[1], rest[2:]
        if not rest or rest[0] not in mine or len(rest) > 2:
            return None
        res = rest[0]
        if ns is not None and not RESOURCES[res][3]:
            return None
        name = rest[1] if len(rest) == 2 else None
        if watch_prefix:
            return ("watch", res, ns, name)
        return ("get" if name else "list", res, ns, name)

    # -- filters
    def _filter(self, res, ns, name, q):
        fs = parse_field_selector(res, q.get("fieldSelector"))
        ls = parse_label_selector(q.get("labelSelector"))

        def match(obj):
            md = obj["metadata"]
            if ns is not None and md.get("namespace") != ns:
                return False
            if name is not None and md.get("name") != name:
                return False
            return field_match(fs, obj) and label_match(ls, obj)
        return match, bool(fs or ls)

    @staticmethod
    def _parse_rv(text):
        try:
            n = int(text)
            if n < 0:
                raise ValueError
            return n
        except ValueError:
            raise HTTPError(400, f'resourceVersion: Invalid value: "{text}": must be a non-negative integer',
                            reason="BadRequest")

    def _get(self, res, ns, name):
        st = self.store
        with st.cond:
            key = f"{ns}/{name}" if RESOURCES[res][3] else name
            obj = st.objects[res].get(key)
            if obj is None or (RESOURCES[res][3] and ns is None):
                raise HTTPError(404, f'{res} "{name}" not found', details={"name": name, "kind": res})
            body = dump(obj)
        self._send_json(200, body)

    def _list(self, res, ns, q):
        try:
            match, selective = self._filter(res, ns, None, q)
        except BadRequest as e:
            raise HTTPError(400, str(e))
        limit = 0
        if q.get("limit"):
            try:
                limit = max(0, int(q["limit"]))
            except ValueError:
                raise HTTPError(400, f'limit: Invalid value: "{q["limit"]}"')
        cont = q.get("continue") or ""
        rvp = q.get("resourceVersion")
        rvm = q.get("resourceVersionMatch") or ""
        if rvm and rvm not in ("Exact", "NotOlderThan"):
            raise HTTPError(422, f'resourceVersionMatch: Unsupported value: "{rvm}"', reason="Invalid")
        if rvm and not rvp:
            raise HTTPError(422, "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden "
                                 "unless resourceVersion is provided", reason="Invalid")
        if rvm == "Exact" and rvp == "0":
            raise HTTPError(422, 'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden '
                                 'for resourceVersion "0"', reason="Invalid")
        st = self.store
        inconsistent = False
        with st.cond:
            start = ""
            if cont:
                if rvp not in (None, "", "0"):
                    raise HTTPError(400, "specifying resource version is not allowed when using continue")
                try:
                    at, start = decode_continue(cont)
                except BadRequest as e:
                    raise HTTPError(400, str(e))
                if at == -1:
                    at, inconsistent = st.rv, True
                elif at < st.compact_rv:
                    raise HTTPError(410, "The provided continue parameter is too old to display a consistent list "
                                         "result. You can start a new list without the continue parameter, or use "
                                         "the continue token in this response to retrieve the remainder of the "
                                         "results. Continuing with the provided token results in an inconsistent "
                                         "list - objects that were created, modified, or deleted between the time "
                                         "the first chunk was returned and now may show up in the list.",
                                    metadata={"continue": encode_continue(-1, start)})
                elif at > st.rv:
                    raise HTTPError(400, "continue key is not valid: resource version from the future")
            elif rvp in (None, ""):
                at = st.rv
            elif rvp == "0":
                at = st.rv                      # "Any": served from the watch cache...
                if self.cfg.rv0_limit == "ignore":
                    limit = 0                   # ...which does not paginate
            else:
                n = self._parse_rv(rvp)
                deadline = time.monotonic() + 3.0
                while n > st.rv and time.monotonic() < deadline:
                    st.cond.wait(0.2)
                if n > st.rv:
                    raise HTTPError(504, f"Too large resource version: {n}, current: {st.rv}", reason="Timeout",
                                    details={"causes": [{"reason": "ResourceVersionTooLarge",
                                                         "message": "Too large resource version"}],
                                             "retryAfterSeconds": 1}, headers={"Retry-After": "1"})
                exact = rvm == "Exact" or (limit > 0 and rvm != "NotOlderThan")
                if exact:
                    if n < st.compact_rv:
                        raise HTTPError(410, f"too old resource version: {n} ({st.compact_rv})")
                    at = n
                else:
                    at = st.rv
            snap = st.snapshot(res, at)
            keys = sorted(k for k in snap if k >= start)
            items = [snap[k] for k in keys if match(snap[k])]
            kept = [k for k in keys if match(snap[k])]
            meta = {"resourceVersion": str(at)}
            if limit and len(items) > limit:
                meta["continue"] = encode_continue(-1 if inconsistent else at, kept[limit - 1] + "\x00")
                if not selective:
                    meta["remainingItemCount"] = len(items) - limit
                items = items[:limit]
            out = []
            for it in items:   # list items carry no kind/apiVersion on the wire
                it = dict(it)
                it.pop("kind", None)
                it.pop("apiVersion", None)
                out.append(it)
            body = {"kind": RESOURCES[res][2] + "List", "apiVersion": api_version(res), "metadata": meta, "items": out}
            raw = dump(body)      # serialise under the lock: objects are never mutated, but be safe
        self._send_json(200, raw)

    # -- watch
    def _write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _end_chunks(self):
        self.wfile.write(b"0\r\n\r\n")

    def _peer_gone(self):
        sock = self.connection
        try:
            if isinstance(sock, ssl.SSLSocket) and sock.pending():
                return False
            r, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        if not r:
            return False
        try:
            sock.settimeout(0.0)
            return sock.recv(1) == b""
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError, InterruptedError):
            return False
        except (OSError, ssl.SSLError):
            return True
        finally:
            try:
                sock.settimeout(self.timeout)
            except OSError:
                pass

    def _abort(self, rst):
        """Close the connection with no terminating chunk and no TLS close_notify."""
        self.close_connection = True
        try:
            if rst:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass

    def _bookmark(self, res, rv, initial_end=False):
        obj = {"kind": RESOURCES[res][2], "apiVersion": api_version(res),
               "metadata": {"resourceVersion": str(rv), "creationTimestamp": None}}
        if initial_end:
            obj["metadata"]["annotations"] = {"k8s.io/initial-events-end": "true"}
        obj.update(copy.deepcopy(RESOURCES[res][4]))
        return {"type": "BOOKMARK", "object": obj}

    @staticmethod
    def _convert(ev, res, match):
        """Event as this watcher sees it, with selector transitions as the watch cache does."""
        if ev["res"] != res:
            return None
        cur_ok = ev["type"] != "DELETED" and match(ev["obj"])
        prev_ok = ev["prev"] is not None and match(ev["prev"])
        if ev["type"] == "ADDED":
            return ("ADDED", ev["obj"]) if cur_ok else None
        if ev["type"] == "DELETED":
            return ("DELETED", ev["obj"]) if prev_ok else None
        if cur_ok and prev_ok:
            return ("MODIFIED", ev["obj"])
        if cur_ok:
            return ("ADDED", ev["obj"])
        if prev_ok:
            old = copy.deepcopy(ev["prev"])
            old["metadata"]["resourceVersion"] = ev["obj"]["metadata"]["resourceVersion"]
            return ("DELETED", old)
        return None

    def _watch(self, res, ns, name, q, path):
        try:
            match, _ = self._filter(res, ns, name, q)
        except BadRequest as e:
            raise HTTPError(400, str(e))
        rvp = q.get("resourceVersion")
        bookmarks = q.get("allowWatchBookmarks", "").lower() in ("1", "true")
        initial = q.get("sendInitialEvents", "").lower() in ("1", "true")
        if initial and q.get("resourceVersionMatch") != "NotOlderThan":
            raise HTTPError(422, "resourceVersionMatch: Forbidden: sendInitialEvents requires setting "
                                 "resourceVersionMatch to NotOlderThan", reason="Invalid")
        if initial and not bookmarks:
            raise HTTPError(422, "allowWatchBookmarks: Forbidden: sendInitialEvents requires "
                                 "allowWatchBookmarks=true", reason="Invalid")
        timeout = self.cfg.default_watch_timeout
        if q.get("timeoutSeconds"):
            try:
                timeout = max(0.0, float(q["timeoutSeconds"]))
            except ValueError:
                raise HTTPError(400, f'timeoutSeconds: Invalid value: "{q["timeoutSeconds"]}"')
        st = self.store
        expired = None
        with st.cond:
            drop_gen, bm_gen = st.drop_gen, st.bookmark_gen
            synth = []
            if rvp in (None, "", "0") or initial:
                pos = st.rv
                if initial and rvp not in (None, "", "0"):
                    pos = max(pos, self._parse_rv(rvp))
                snap = st.snapshot(res, st.rv)
                synth = [snap[k] for k in sorted(snap) if match(snap[k])]
                synth = [dump(o) for o in synth]
            else:
                pos = self._parse_rv(rvp)
                if pos < st.compact_rv:
                    expired = f"too old resource version: {pos} ({st.compact_rv})"
        if expired and self.cfg.expired_mode == "http":
            raise HTTPError(410, expired)

        self.send_response(200)
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if expired:   # real servers: 200 OK, one ERROR event, then the stream ends
            self._write_chunk(dump({"type": "ERROR", "object": status_obj(410, expired)}) + b"\n")
            self._end_chunks()
            return

        with self.cfg.lock:
            self.cfg.watch_seq += 1
            wid = self.cfg.watch_seq
            self.cfg.watches_started += 1
            info = {"id": wid, "path": path, "query": {k: v for k, v in q.items()}, "resourceVersion": str(pos),
                    "bookmarks": bookmarks, "events_sent": 0, "bookmarks_sent": 0, "started": time.time()}
            self.cfg.watches[wid] = info
        try:
            self._watch_loop(res, match, pos, synth, bookmarks, initial, timeout, drop_gen, bm_gen, info)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout, TimeoutError, OSError):
            self.close_connection = True
        finally:
            with self.cfg.lock:
                self.cfg.watches.pop(wid, None)

    def _watch_loop(self, res, match, pos, synth, bookmarks, initial, timeout, drop_gen, bm_gen, info):
        st, cfg = self.store, self.cfg
        deadline = time.monotonic() + timeout
        for raw in synth:
            self._write_chunk(b'{"type":"ADDED","object":%s}\n' % raw)
            info["events_sent"] += 1
        if initial:
            self._write_chunk(dump(self._bookmark(res, pos, initial_end=True)) + b"\n")
            info["bookmarks_sent"] += 1
        next_bm = time.monotonic() + cfg.bookmark_interval
        next_peer_check = time.monotonic() + 1.0
        while True:
            out, send_bm, drop = [], False, None
            with st.cond:
                while True:
                    t = time.monotonic()
                    if st.drop_gen != drop_gen:
                        drop = st.drop_mode
                        break
                    if pos < st.max_dropped_rv:   # an event this watch had not seen was compacted away
                        drop = "expired"
                        break
                    evs = st.events_after(pos)
                    if evs:
                        for ev in evs:
                            c = self._convert(ev, res, match)
                            if c:
                                out.append(b'{"type":"%s","object":%s}\n' % (c[0].encode(), dump(c[1])))
                        pos = max(pos, st.rv)
                        break
                    pos = max(pos, st.rv)   # unrelated writes (bump_rv) still move us along
                    if t >= deadline:
                        break
                    if bookmarks and (t >= next_bm or st.bookmark_gen != bm_gen):
                        send_bm, bm_gen = True, st.bookmark_gen
                        break
                    if t >= next_peer_check:
                        break
                    wake = min(deadline, next_peer_check, next_bm if bookmarks else deadline)
                    st.cond.wait(max(0.01, wake - t))
                info["resourceVersion"] = str(pos)
                expired_msg = f"too old resource version: {pos} ({st.compact_rv})"
            if drop:
                self._drop(drop, res, expired_msg)
                return
            for line in out:
                self._write_chunk(line)
                info["events_sent"] += 1
            if send_bm:
                self._write_chunk(dump(self._bookmark(res, pos)) + b"\n")
                info["bookmarks_sent"] += 1
                next_bm = time.monotonic() + cfg.bookmark_interval
            now = time.monotonic()
            if now >= deadline:
                self._end_chunks()   # timeoutSeconds: a clean end of the stream
                return
            if now >= next_peer_check:
                next_peer_check = now + 1.0
                if self._peer_gone():
                    self.close_connection = True
                    return

    def _drop(self, mode, res, expired_msg):
        if mode == "clean":
            self._end_chunks()
        elif mode == "expired":
            self._write_chunk(dump({"type": "ERROR", "object": status_obj(410, expired_msg)}) + b"\n")
            self._end_chunks()
        elif mode == "partial":
            ev = dump({"type": "MODIFIED", "object": {"kind": RESOURCES[res][2], "apiVersion": api_version(res),
                                                      "metadata": {"name": "truncated", "resourceVersion": "0"}}})
            self._write_chunk(ev[: len(ev) // 2])
            self._abort(rst=False)
        else:
            self._abort(rst=(mode == "rst"))


# ---------------------------------------------------------------- TLS server

class TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, handler, ctx, verbose):
        super().__init__(addr, handler)
        self.ctx = ctx
        self.verbose = verbose

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the connection's own thread.
        request.settimeout(10)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            if self.verbose:
                sys.stderr.write(f"api tls handshake from {client_address}: {e}\n")
            return
        try:
            tls.settimeout(None)
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


# ---------------------------------------------------------------- control interface

class ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nettrail-fake-control"
    sys_version = ""
    store: Store = None
    cfg: Config = None

    def log_message(self, fmt, *args):
        if self.cfg.verbose:
            sys.stderr.write("control - %s\n" % (fmt % args))

    def _reply(self, code, obj):
        body = json.dumps(obj, indent=1).encode() + b"\n"
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _any(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError as e:
            return self._reply(400, {"error": f"bad JSON: {e}"})
        op = urlsplit(self.path).path.strip("/")
        if op == "control":
            op = body.get("op", "")
        fn = getattr(self, "op_" + op, None)
        if fn is None:
            return self._reply(404, {"error": f"unknown control op {op!r}"})
        try:
            self._reply(200, fn(body if isinstance(body, dict) else {}))
        except StoreError as e:
            self._reply(e.code, {"error": str(e)})
        except (ValueError, TypeError, KeyError) as e:
            self._reply(400, {"error": f"{type(e).__name__}: {e}"})

    do_GET = do_POST = do_PUT = do_DELETE = _any

    @staticmethod
    def _ident(b):
        o = b.get("object") or {}
        md = o.get("metadata") or {}
        return (b.get("kind") or b.get("resource") or o.get("kind"), b.get("namespace") or md.get("namespace"),
                b.get("name") or md.get("name"))

    def op_add(self, b):
        obj = self.store.add(b.get("object", b if "kind" in b else None))
        return {"resourceVersion": obj["metadata"]["resourceVersion"], "object": obj}

    def op_modify(self, b):
        if "patch" in b:
            k, ns, n = self._ident(b)
            obj = self.store.modify(kind=k, namespace=ns, name=n, patch=b["patch"])
        else:
            obj = self.store.modify(obj=b.get("object", b if "kind" in b else None))
        return {"resourceVersion": obj["metadata"]["resourceVersion"], "object": obj}

    def op_delete(self, b):
        k, ns, n = self._ident(b)
        obj = self.store.delete(k, ns, n, graceful=bool(b.get("graceful")))
        return {"resourceVersion": obj["metadata"]["resourceVersion"], "object": obj}

    def op_drop_watches(self, b):
        mode = b.get("mode", "abrupt")
        if mode not in ("abrupt", "rst", "partial", "clean", "expired"):
            raise ValueError(f"unknown mode {mode}")
        with self.cfg.lock:
            n = len(self.cfg.watches)
        with self.store.cond:
            self.store.drop_mode = mode
            self.store.drop_gen += 1
            self.store.cond.notify_all()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            with self.cfg.lock:
                if not self.cfg.watches:
                    break
            time.sleep(0.02)
        with self.cfg.lock:
            left = len(self.cfg.watches)
        return {"dropped": n - left, "mode": mode, "still_active": left}

    def op_set_delay_ms(self, b):
        with self.cfg.lock:
            self.cfg.delay_ms = int(b.get("ms", b.get("delay_ms", 0)))
            self.cfg.delay_match = str(b.get("match", ""))
        return {"delay_ms": self.cfg.delay_ms, "match": self.cfg.delay_match}

    def op_expire_before_rv(self, b):
        rv = b.get("rv", b.get("resourceVersion"))
        c = self.store.compact(None if rv in (None, "") else int(rv))
        return {"compactedResourceVersion": str(c), "resourceVersion": str(self.store.rv)}

    def op_fail_next(self, b):
        with self.cfg.lock:
            self.cfg.fail_count = int(b.get("count", b.get("n", 1)))
            self.cfg.fail_status = int(b.get("status", 500))
            self.cfg.fail_match = str(b.get("match", ""))
        return {"count": self.cfg.fail_count, "status": self.cfg.fail_status, "match": self.cfg.fail_match}

    def op_bump_rv(self, b):
        return {"resourceVersion": str(self.store.bump(b.get("count", 1)))}

    def op_bookmark(self, b):
        with self.store.cond:
            self.store.bookmark_gen += 1
            self.store.cond.notify_all()
        return {"resourceVersion": str(self.store.rv)}

    def op_set_bookmark_interval(self, b):
        self.cfg.bookmark_interval = float(b.get("seconds", 60))
        return {"seconds": self.cfg.bookmark_interval}

    def op_set_expired_mode(self, b):
        mode = b.get("mode", "event")
        if mode not in ("event", "http"):
            raise ValueError("mode is event or http")
        self.cfg.expired_mode = mode
        return {"mode": mode}

    def op_stats(self, b):
        with self.cfg.lock:
            watches = [dict(w, query=dict(w["query"])) for w in self.cfg.watches.values()]
            out = {"requests": dict(self.cfg.requests), "requests_by_verb": dict(self.cfg.requests_by_verb),
                   "total_requests": self.cfg.total_requests, "unauthorized": self.cfg.unauthorized,
                   "injected_failures": self.cfg.injected_failures, "watches_started": self.cfg.watches_started,
                   "active_watches": len(watches), "watches": watches,
                   "fail_next_remaining": self.cfg.fail_count, "delay_ms": self.cfg.delay_ms}
        with self.store.cond:
            out["resourceVersion"] = str(self.store.rv)
            out["compactedResourceVersion"] = str(self.store.compact_rv)
            out["retained_events"] = len(self.store.events)
        return out

    def op_reset_stats(self, b):
        self.cfg.reset_stats()
        return {"ok": True}

    def op_state(self, b):
        with self.store.cond:
            return {"resourceVersion": str(self.store.rv), "compactedResourceVersion": str(self.store.compact_rv),
                    "objects": {r: list(d.values()) for r, d in self.store.objects.items()}}


class ControlServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


# ---------------------------------------------------------------- main

def load_state(store, path):
    with open(path) as f:
        doc = json.load(f)
    items = doc if isinstance(doc, list) else doc.get("items", [])
    start = 0
    if isinstance(doc, dict):
        start = int((doc.get("metadata") or {}).get("resourceVersion") or 0)
    with store.cond:
        store.rv = start
        store.compact_rv = start
    for obj in items:
        store.add(obj, deterministic_uid=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--state", required=True, help="JSON List of objects ({items:[...]}) to start with")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--control-port", type=int, default=0)
    ap.add_argument("--bookmark-interval", type=float, default=1.0,
                    help="seconds between BOOKMARKs on watches that allow them (the real server: about 60)")
    ap.add_argument("--default-watch-timeout", type=float, default=1800.0,
                    help="watch length when the client gives no timeoutSeconds")
    ap.add_argument("--max-history", type=int, default=10000, help="retained events before auto-compaction")
    ap.add_argument("--expired-mode", choices=("event", "http"), default="event",
                    help="a watch from a compacted RV: 200 + ERROR event (default, as the watch cache does) or HTTP 410")
    ap.add_argument("--rv0-limit", choices=("ignore", "honor"), default="ignore",
                    help="list with resourceVersion=0: ignore limit (served from the watch cache) or paginate")
    ap.add_argument("--gzip-min-bytes", type=int, default=128 * 1024,
                    help="gzip non-watch responses at least this big when the client accepts gzip (0: never)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    store = Store(args.max_history)
    load_state(store, args.state)
    cfg = Config(args)
    APIHandler.store = ControlHandler.store = store
    APIHandler.cfg = ControlHandler.cfg = cfg

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["http/1.1"])

    fam = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    TLSServer.address_family = fam
    api = TLSServer((args.bind, args.port), APIHandler, ctx, args.verbose)
    ctl = ControlServer(("127.0.0.1", args.control_port), ControlHandler)
    for srv in (api, ctl):
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    print(f"LISTENING api={api.server_address[1]} control={ctl.server_address[1]}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
