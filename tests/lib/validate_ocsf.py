#!/usr/bin/python3
"""Validate nettrail's OCSF records, and compare them with their ECS twins.

usage: validate_ocsf.py [--version V] [--twins] FILE [FILE...]   ("-" reads stdin)

Every line with a class_uid is an OCSF record: Network Activity (4001) or DNS
Activity (4003). It is validated against the official class schema for its
metadata.version and the profiles it declares (docs/schema/ocsf/<version>/,
generated from the PyPI package ocsf-json-schema by tools/gen_ocsf_schemas.py),
under Debian's python3-jsonschema (draft 2020-12), and then against what the
schema does not say: type_uid = class_uid * 100 + activity_id, counts and
times are not negative, totals are the sums of both directions, the activity
follows the TCP state (Zeek's OCSF mapping of conn_state), the version's
attributes (community_uid from 1.4.0, ja4_fingerprint_list from 1.3.0,
app_protocol_name at 1.8.0) appear only where the version has them, and
metadata.uid is unique. --version V: every record must be at OCSF V.

Other lines (ECS records, heartbeats) are read for --twins: every ECS flow and
DNS record must have exactly one OCSF twin (metadata.uid = nettrail.record_id)
and every OCSF record an ECS twin, equal field by field: both endpoints
(address, port, name, Kubernetes identity, container), the counts each way and
their totals, the times (ms), flow id, Community ID, direction, protocol, the
application protocol, TLS (SNI, JA3, JA4, ALPN, version, cipher, JA3S, the
server's certificate and the flags derived from it), the translation (NAT), the
QUIC fields, the local process, the TCP state; for DNS the question, id,
opcode, answers (data, type, class, TTL) and the response code.

Exit 0 when every record is valid (prints a count; "no OCSF records" is valid
only without --twins), 1 otherwise, 2 on usage errors.
"""
import datetime
import json
import os
import sys
from pathlib import Path

from jsonschema import Draft202012Validator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_records import EPOCH, Validator, get  # noqa: E402 (the ECS validator's helpers)

SCHEMA_DIR = Path(os.environ.get("NT_OCSF_SCHEMA_DIR")
                  or Path(__file__).resolve().parents[2] / "docs" / "schema" / "ocsf")
CLASSES = {4001: "network_activity", 4003: "dns_activity"}
CLOSED = {"SF", "RSTO", "RSTR", "RSTRH", "SH", "SHR"}
DIRECTIONS = {"internal": 3, "outbound": 2, "inbound": 1}
RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4,
          "REFUSED": 5, "YXDOMAIN": 6, "YXRRSET": 7, "NXRRSET": 8, "NOTAUTH": 9,
          "NOTZONE": 10, "DSOTYPENI": 11, "BADVERS": 16, "BADKEY": 17, "BADTIME": 18,
          "BADMODE": 19, "BADNAME": 20, "BADALG": 21, "BADTRUNC": 22, "BADCOOKIE": 23}
MAX_REPORTED = 10


_validators = {}


def validator(version, cls, cloud):
    key = (version, cls, cloud)
    if key not in _validators:
        path = SCHEMA_DIR / version / f"{cls}{'.cloud' if cloud else ''}.schema.json"
        schema = json.loads(path.read_text())
        Draft202012Validator.check_schema(schema)
        _validators[key] = Validator(schema)
    return _validators[key]


def ms(text):
    """ECS RFC 3339 microseconds -> epoch milliseconds (truncated, as nettrail does)."""
    dt = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return (dt - EPOCH) // datetime.timedelta(milliseconds=1)


def minor(rec):
    return int(rec["metadata"]["version"].split(".")[1])


def negatives(node, path="$"):
    """Every integer below zero, anywhere in the record."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from negatives(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from negatives(v, f"{path}[{i}]")
    elif isinstance(node, int) and not isinstance(node, bool) and node < 0:
        yield path


def check_invariants(rec):
    errors = [(p, "negative") for p in negatives(rec)]
    if rec["type_uid"] != rec["class_uid"] * 100 + rec["activity_id"]:
        errors.append(("$.type_uid", f"{rec['type_uid']} is not class_uid*100+activity_id"))
    if rec["category_uid"] != 4:
        errors.append(("$.category_uid", "not 4 (Network Activity)"))
    if get(rec, "start_time", 0) > get(rec, "end_time", 0):
        errors.append(("$.start_time", "after end_time"))
    t = rec.get("traffic")
    if t and (t["bytes"] != t["bytes_in"] + t["bytes_out"]
              or t["packets"] != t["packets_in"] + t["packets_out"]):
        errors.append(("$.traffic", "totals are not the sums of in and out"))
    m = minor(rec)
    if m < 4 and get(rec, "connection_info.community_uid"):
        errors.append(("$.connection_info.community_uid", "before OCSF 1.4.0"))
    if m >= 4 and get(rec, "unmapped.community_id"):
        errors.append(("$.unmapped.community_id", "community_uid holds it from 1.4.0"))
    if m < 3 and "ja4_fingerprint_list" in rec:
        errors.append(("$.ja4_fingerprint_list", "before OCSF 1.3.0"))
    if m < 8 and "app_protocol_name" in rec:
        errors.append(("$.app_protocol_name", "before OCSF 1.8.0"))
    if rec["class_uid"] == 4001:
        errors += check_flow_activity(rec)
    return errors


def check_flow_activity(rec):
    state = get(rec, "unmapped.nettrail.conn_state")
    active = get(rec, "unmapped.nettrail.end_reason") == "active"
    want = 6
    if state and not active:
        want = 2 if state in CLOSED else 4 if state == "S0" else 5 if state == "REJ" else 6
    errors = []
    if rec["activity_id"] != want:
        errors.append(("$.activity_id", f"{rec['activity_id']} for {state} (want {want})"))
    if rec["status_id"] != (2 if want in (4, 5) else 1):
        errors.append(("$.status_id", f"{rec['status_id']} for activity {want}"))
    if get(rec, "connection_info.uid") != get(rec, "metadata.correlation_uid"):
        errors.append(("$.connection_info.uid", "not the flow id (correlation_uid)"))
    return errors


def check_schema(rec):
    cls = CLASSES.get(rec.get("class_uid"))
    version = get(rec, "metadata.version")
    if not cls or version not in ("1.1.0", "1.8.0"):
        return [("$", f"class {rec.get('class_uid')} version {version}: not nettrail's")]
    v = validator(version, cls, "cloud" in get(rec, "metadata.profiles", []))
    errs = sorted(v.iter_errors(rec), key=lambda e: list(e.absolute_path))
    return [("$." + ".".join(str(p) for p in e.absolute_path), e.message) for e in errs]


# ---- twins ----------------------------------------------------------------


def same(errors, what, ocsf_value, ecs_value):
    if ocsf_value != ecs_value:
        errors.append((what, f"OCSF {ocsf_value!r} != ECS {ecs_value!r}"))


def twin_endpoints(o, e, errors):
    for oname, ename in (("src_endpoint", "source"), ("dst_endpoint", "destination")):
        oe, ee = o.get(oname, {}), e[ename]
        same(errors, f"{oname}.ip", oe.get("ip"), ee["ip"])
        same(errors, f"{oname}.port", oe.get("port"), ee.get("port"))
        same(errors, f"unmapped.{oname}.kubernetes", get(o, f"unmapped.{oname}.kubernetes"),
             ee.get("kubernetes"))
        k = ee.get("kubernetes") or {}
        same(errors, f"{oname}.name", oe.get("name"), get(k, "pod.name"))
        if get(oe, "container.pod_uuid"):
            same(errors, f"{oname}.container.pod_uuid", get(oe, "container.pod_uuid"),
                 get(k, "pod.uid"))
        # container.labels (1.4.0+): the pod's labels, "key=value" in order
        want = None
        if (get(oe, "container.uid") and get(k, "pod.uid") and k.get("labels")
                and get(o, "metadata.version") != "1.1.0"):
            want = [f"{lk}={lv}" for lk, lv in k["labels"].items()]
        same(errors, f"{oname}.container.labels", get(oe, "container.labels"), want)


def twin_common(o, e, errors):
    twin_endpoints(o, e, errors)
    same(errors, "time", o["time"], ms(e["@timestamp"]))
    cid = get(o, "connection_info.community_uid") or get(o, "unmapped.community_id")
    same(errors, "community id", cid, get(e, "network.community_id"))
    same(errors, "direction_id", get(o, "connection_info.direction_id"),
         DIRECTIONS.get(get(e, "network.direction"), 0))
    same(errors, "protocol_num", get(o, "connection_info.protocol_num"),
         int(get(e, "network.iana_number")))
    same(errors, "protocol_ver_id", get(o, "connection_info.protocol_ver_id"),
         4 if get(e, "network.type") == "ipv4" else 6)
    same(errors, "app_name", o.get("app_name"), get(e, "network.protocol"))
    same(errors, "device.hostname", get(o, "device.hostname"), get(e, "observer.hostname"))
    same(errors, "cluster", get(o, "unmapped.orchestrator.cluster.name"),
         get(e, "orchestrator.cluster.name"))
    same(errors, "cloud.provider", get(o, "cloud.provider"), get(e, "cloud.provider"))
    twin_nat(o, e, errors)


def twin_nat(o, e, errors):
    """unmapped.nat.<end> is ECS <end>.nat; the backend a DNAT reached is
    dst_endpoint.intermediate_ips"""
    for oname, ename in (("src_endpoint", "source"), ("dst_endpoint", "destination")):
        same(errors, f"unmapped.nat.{oname}", get(o, f"unmapped.nat.{oname}"),
             get(e, f"{ename}.nat"))
    dnat = get(e, "destination.nat.ip")
    same(errors, "dst_endpoint.intermediate_ips", get(o, "dst_endpoint.intermediate_ips"),
         [dnat] if dnat else None)


def twin_flow(o, e, errors):
    twin_common(o, e, errors)
    t = o["traffic"]
    same(errors, "traffic out", (t["bytes_out"], t["packets_out"]),
         (e["source"]["bytes"], e["source"]["packets"]))
    same(errors, "traffic in", (t["bytes_in"], t["packets_in"]),
         (e["destination"]["bytes"], e["destination"]["packets"]))
    same(errors, "traffic totals", (t["bytes"], t["packets"]),
         (e["network"]["bytes"], e["network"]["packets"]))
    same(errors, "start_time", o["start_time"], ms(e["event"]["start"]))
    same(errors, "end_time", o["end_time"], ms(e["event"]["end"]))
    same(errors, "correlation_uid", get(o, "metadata.correlation_uid"), get(e, "nettrail.flow.id"))
    for oname, ename in (("src_endpoint", "source"), ("dst_endpoint", "destination")):
        same(errors, f"{oname}.hostname", get(o, f"unmapped.{oname}.hostname")
             or get(o, f"{oname}.hostname"), get(e, f"{ename}.domain"))
    same(errors, "conn_state", get(o, "unmapped.nettrail.conn_state"),
         get(e, "nettrail.tcp.conn_state"))
    same(errors, "end_reason", get(o, "unmapped.nettrail.end_reason"),
         get(e, "nettrail.flow.end_reason"))
    same(errors, "report_seq", get(o, "unmapped.nettrail.report_seq"),
         get(e, "nettrail.flow.report_seq"))
    same(errors, "actor.process.pid", get(o, "actor.process.pid"), get(e, "process.pid"))
    same(errors, "actor.process.name", get(o, "actor.process.name"), get(e, "process.name"))
    same(errors, "actor.process.user.uid", get(o, "actor.process.user.uid"), get(e, "user.id"))
    local = get(e, "nettrail.local_end")
    if local and get(e, "container.id"):
        oname = "src_endpoint" if local == "source" else "dst_endpoint"
        same(errors, f"{oname}.container.uid", get(o, f"{oname}.container.uid"),
             get(e, "container.id"))
    same(errors, "unmapped.nettrail.quic", get(o, "unmapped.nettrail.quic"),
         get(e, "nettrail.quic"))
    twin_tls(o, e, errors)


def twin_tls(o, e, errors):
    if "tls" not in e:
        same(errors, "tls", o.get("tls"), None)
        return
    ja4 = get(o, "unmapped.tls.ja4")
    if ja4 is None and o.get("ja4_fingerprint_list"):
        ja4 = o["ja4_fingerprint_list"][0]["value"]
    same(errors, "ja4", ja4, get(e, "tls.client.ja4"))
    same(errors, "alpn", get(o, "unmapped.tls.alpn"), get(e, "nettrail.tls.alpn"))
    if "tls" in o:
        same(errors, "tls.sni", get(o, "tls.sni"), get(e, "tls.client.server_name"))
        same(errors, "tls.ja3_hash", get(o, "tls.ja3_hash.value"), get(e, "tls.client.ja3"))
        same(errors, "tls.cipher", get(o, "tls.cipher"), get(e, "tls.cipher"))
        want = get(e, "tls.version") or get(e, "nettrail.tls.client_version")
        same(errors, "tls.version", get(o, "tls.version"), want)
        same(errors, "tls.ja3s_hash", get(o, "tls.ja3s_hash.value"), get(e, "tls.server.ja3s"))
    for role in ("server", "client"):
        same(errors, f"unmapped.tls.{role}", get(o, f"unmapped.tls.{role}"),
             get(e, f"nettrail.tls.{role}"))
    twin_certificate(o, e, errors)


def twin_certificate(o, e, errors):
    """tls.certificate is the server's leaf (ECS tls.server.*), its SANs in
    tls.sans before 1.8.0, tls.certificate_chain the chain's serial numbers"""
    c, x = get(o, "tls.certificate") or {}, get(e, "tls.server.x509") or {}
    same(errors, "tls.certificate.subject", c.get("subject"), get(e, "tls.server.subject"))
    same(errors, "tls.certificate.issuer", c.get("issuer"), get(e, "tls.server.issuer"))
    same(errors, "tls.certificate.serial_number", c.get("serial_number"),
         x.get("serial_number"))
    same(errors, "tls.certificate.version", c.get("version"), x.get("version_number"))
    same(errors, "tls.certificate.fingerprints",
         {f["algorithm_id"]: f["value"] for f in c.get("fingerprints", [])},
         {k: v for k, v in ((2, get(e, "tls.server.hash.sha1")),
                            (3, get(e, "tls.server.hash.sha256"))) if v})
    for o_key, e_key in (("created_time", "not_before"), ("expiration_time", "not_after")):
        same(errors, f"tls.certificate.{o_key}", c.get(o_key),
             ms(x[e_key]) if e_key in x else None)
    sans = c.get("sans") if minor(o) >= 8 else get(o, "tls.sans")
    same(errors, "sans", [s["name"] for s in sans or []], x.get("alternative_names", []))
    if minor(o) >= 8 and c:
        same(errors, "tls.certificate.is_self_signed", c.get("is_self_signed"),
             get(e, "nettrail.tls.server.self_signed"))


def twin_dns(o, e, errors):
    twin_common(o, e, errors)
    d = e["dns"]
    q = o["query"]
    same(errors, "query.hostname", get(o, "unmapped.query.hostname") or q["hostname"],
         d["question"]["name"])
    same(errors, "query.type", q.get("type"), d["question"]["type"])
    same(errors, "query.class", q.get("class"), d["question"]["class"])
    same(errors, "query.packet_uid", q.get("packet_uid"), d["id"])
    answers = [(a["rdata"], a["type"], a["class"], a["ttl"]) for a in o.get("answers", [])]
    same(errors, "answers", answers,
         [(a["data"], a["type"], a["class"], a["ttl"]) for a in d.get("answers", [])])
    rc = d.get("response_code")
    same(errors, "rcode_id", o.get("rcode_id"),
         None if rc is None else RCODES.get(rc, 99))
    same(errors, "duration", o.get("duration"),
         ms(e["event"]["end"]) - ms(e["event"]["start"]) if "duration" in e["event"] else None)
    same(errors, "activity_id", o["activity_id"],
         6 if "start" in e["event"] and "end" in e["event"] else 1 if "start" in e["event"] else 2)


def main(argv):
    version, twins, files = None, False, []
    while argv:
        a = argv.pop(0)
        if a == "--version" and argv:
            version = argv.pop(0)
        elif a == "--twins":
            twins = True
        elif a.startswith("-") and a != "-":
            print(__doc__.strip(), file=sys.stderr)
            return 2
        else:
            files.append(a)
    if not files:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ocsf, ecs, bad = [], {}, []
    for path in files:
        stream = sys.stdin if path == "-" else open(path)
        with stream:
            for n, line in enumerate(stream, 1):
                if not line.strip():
                    continue
                rec = json.loads(line)
                where = f"{path}:{n}"
                if "class_uid" in rec:
                    ocsf.append((where, rec))
                elif get(rec, "event.dataset") in ("nettrail.flow", "nettrail.dns"):
                    ecs[rec["nettrail"]["record_id"]] = (where, rec)
    uids = {}
    for where, rec in ocsf:
        errors = check_schema(rec)
        if not errors:
            errors = check_invariants(rec)
            if version and rec["metadata"]["version"] != version:
                errors.append(("$.metadata.version", f"not {version}"))
            uid = rec["metadata"]["uid"]
            if uid in uids:
                errors.append(("$.metadata.uid", f"also at {uids[uid]}"))
            uids[uid] = where
            if twins and not errors:
                errors = check_twin(rec, ecs.get(uid))
        if errors:
            bad.append((where, errors))
    if twins:
        for uid, (where, rec) in ecs.items():
            if uid not in uids:
                bad.append((where, [("$", "an ECS record without its OCSF twin")]))
    for where, errors in bad[:MAX_REPORTED]:
        for p, msg in errors[:4]:
            print(f"{where}: {p}: {msg[:300]}", file=sys.stderr)
    if bad:
        print(f"FAILED: {len(bad)} invalid of {len(ocsf)} OCSF records", file=sys.stderr)
        return 1
    if not ocsf and twins:
        print("no OCSF records", file=sys.stderr)
        return 1
    n = {c: sum(1 for _, r in ocsf if r["class_uid"] == c) for c in CLASSES}
    print(f"validated {len(ocsf)} OCSF records (network_activity={n[4001]} "
          f"dns_activity={n[4003]}){f', each equal to its ECS twin' if twins else ''}")
    return 0


def check_twin(o, twin):
    if not twin:
        return [("$.metadata.uid", "no ECS record with this record_id")]
    errors = []
    e = twin[1]
    want = 4001 if e["event"]["dataset"] == "nettrail.flow" else 4003
    if o["class_uid"] != want:
        return [("$.class_uid", f"the ECS twin is {e['event']['dataset']}")]
    (twin_flow if want == 4001 else twin_dns)(o, e, errors)
    return errors


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
