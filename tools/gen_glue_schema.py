#!/usr/bin/python3
"""Generate the Glue table columns and Avro schemas for nettrail's OCSF records.

usage: gen_glue_schema.py [--check] [--out DIR]
       gen_glue_schema.py --records FILE...

Amazon Security Lake takes custom sources as Parquet. On the route Kafka
(Amazon MSK) -> Firehose -> S3, Firehose converts JSON to Parquet with the
columns of a Glue table and drops every field the table lacks; Kafka Connect's
S3 sink with ParquetFormat needs an Avro schema. This tool derives both from
our JSON Schemas, for OCSF 1.1.0 and 1.8.0 and for Network Activity and DNS
Activity:

  docs/schema/ocsf/glue/<version>/<class>.columns.json   Glue StorageDescriptor
                                                          Columns ([{Name, Type}])
  docs/schema/ocsf/glue/<version>/<class>.avsc           Avro record schema

The columns are the attributes nettrail writes (FIELDS below, the mapping of
docs/ocsf.md), typed from the official class schema (docs/schema/ocsf/<version>/
<class>.cloud.schema.json, tools/gen_ocsf_schemas.py); an attribute the
version does not have is left out. `unmapped` is typed from UNMAPPED, whose
Kubernetes identity is the ECS one (docs/schema/flow.schema.json $defs.kubernetes).

--check: generate in memory and compare with the committed files (exit 1 on a
difference). --records: every field of every OCSF record in the files must be
a column of its class and version with a matching type (exit 1 otherwise):
the proof that Firehose would drop nothing.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OCSF = ROOT / "docs" / "schema" / "ocsf"
VERSIONS = ("1.1.0", "1.8.0")
CLASSES = {4001: "network_activity", 4003: "dns_activity"}

ENDPOINT = {"ip": 1, "port": 1, "hostname": 1, "name": 1, "intermediate_ips": 1,
            "container": {"uid": 1, "pod_uuid": 1, "orchestrator": 1}}
COMMON = {
    "activity_id": 1, "activity_name": 1, "category_uid": 1, "category_name": 1,
    "class_uid": 1, "class_name": 1, "type_uid": 1, "type_name": 1, "severity_id": 1,
    "severity": 1, "status_id": 1, "status": 1, "time": 1, "time_dt": 1, "start_time": 1,
    "start_time_dt": 1, "end_time": 1, "end_time_dt": 1, "duration": 1,
    "metadata": {"version": 1, "product": {"name": 1, "vendor_name": 1, "version": 1},
                 "uid": 1, "correlation_uid": 1, "log_name": 1, "profiles": 1},
    "cloud": {"provider": 1, "region": 1, "account": {"uid": 1}},
    "device": {"hostname": 1, "type_id": 1, "type": 1, "interface_name": 1},
    "src_endpoint": ENDPOINT, "dst_endpoint": ENDPOINT,
    "connection_info": {"direction_id": 1, "direction": 1, "boundary_id": 1, "boundary": 1,
                        "protocol_num": 1, "protocol_name": 1, "protocol_ver_id": 1,
                        "protocol_ver": 1, "community_uid": 1, "uid": 1, "tcp_flags": 1},
    "app_name": 1, "app_protocol_name": 1,
}
FIELDS = {
    "network_activity": dict(COMMON, **{
        "traffic": {"bytes_out": 1, "packets_out": 1, "bytes_in": 1, "packets_in": 1,
                    "bytes": 1, "packets": 1},
        "tls": {"version": 1, "sni": 1, "cipher": 1,
                "ja3_hash": {"algorithm_id": 1, "algorithm": 1, "value": 1},
                "ja3s_hash": {"algorithm_id": 1, "algorithm": 1, "value": 1},
                "certificate": {"subject": 1, "issuer": 1, "serial_number": 1,
                                "fingerprints": {"algorithm_id": 1, "algorithm": 1, "value": 1},
                                "created_time": 1, "created_time_dt": 1, "expiration_time": 1,
                                "expiration_time_dt": 1, "version": 1, "is_self_signed": 1,
                                "sans": {"name": 1, "type": 1}},
                "sans": {"name": 1, "type": 1}, "certificate_chain": 1},
        "ja4_fingerprint_list": {"type_id": 1, "type": 1, "value": 1},
        "actor": {"process": {"pid": 1, "name": 1, "user": {"uid": 1}}},
    }),
    "dns_activity": dict(COMMON, **{
        "query": {"hostname": 1, "type": 1, "class": 1, "packet_uid": 1, "opcode_id": 1,
                  "opcode": 1},
        "answers": {"rdata": 1, "type": 1, "class": 1, "ttl": 1, "packet_uid": 1,
                    "flag_ids": 1},
        "rcode_id": 1, "rcode": 1, "query_time": 1, "query_time_dt": 1, "response_time": 1,
        "response_time_dt": 1,
    }),
}


def obj(**props):
    return {"type": "object", "properties": props}


S, I, B = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}


FLOW = json.loads((ROOT / "docs" / "schema" / "flow.schema.json").read_text())


def unmapped():
    """What ocsf.c writes under unmapped, as a JSON Schema."""
    k8s = FLOW["$defs"]["kubernetes"]
    end = obj(hostname=S, kubernetes=k8s)
    nt = FLOW["properties"]["nettrail"]["properties"]
    cert = nt["tls"]["properties"]      # ECS nettrail.tls.server / .client
    nat = obj(ip=S, port=I)             # ECS source.nat / destination.nat
    return obj(src_endpoint=end, dst_endpoint=end, query=obj(hostname=S), community_id=S,
               tls=obj(alpn={"type": "array", "items": S}, ja4=S, sni=S, ja3=S,
                       server=cert["server"], client=cert["client"]),
               nat=obj(src_endpoint=nat, dst_endpoint=nat),
               orchestrator=obj(cluster=obj(name=S)),
               nettrail=obj(report_seq=I, end_reason=S, conn_state=S, handshake_rtt_us=I,
                            hook=S, unanswered=B, answers_truncated=B, quic=nt["quic"]))


def resolve(schema, node):
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def prune(schema, node, used):
    """The part of a JSON Schema node that nettrail writes: {type, props|items|map}."""
    node = resolve(schema, node)
    t = node.get("type")
    if t == "array":
        return {"type": "array", "items": prune(schema, node["items"], used)}
    if t == "object" and used is True:         # unmapped's own subtrees: everything
        used = {k: True for k in node.get("properties", {})}
        if not used and isinstance(node.get("additionalProperties"), dict):
            return {"type": "map", "values": prune(schema, node["additionalProperties"], True)}
    if t == "object":
        props = node.get("properties", {})
        out = {}
        for k, sub in used.items():
            if k in props:
                out[k] = prune(schema, props[k], True if sub == 1 else sub)
        return {"type": "object", "props": out}
    if t is None and isinstance(node.get("const"), bool):
        t = "boolean"
    elif t is None and all(isinstance(v, str) for v in node.get("enum", [None])):
        t = "string"
    return {"type": {"integer": "integer", "string": "string", "boolean": "boolean",
                     "number": "number"}[t]}


def tree(version, cls):
    schema = json.loads((OCSF / version / f"{cls}.cloud.schema.json").read_text())
    t = prune(schema, schema, FIELDS[cls])
    t["props"]["unmapped"] = prune(FLOW, unmapped(), True)
    return t


GLUE = {"integer": "bigint", "string": "string", "boolean": "boolean", "number": "double"}


def glue(t):
    if t["type"] == "object":
        return "struct<" + ",".join(f"{k}:{glue(v)}" for k, v in t["props"].items()) + ">"
    if t["type"] == "array":
        return f"array<{glue(t['items'])}>"
    if t["type"] == "map":
        return f"map<string,{glue(t['values'])}>"
    return GLUE[t["type"]]


AVRO = {"integer": "long", "string": "string", "boolean": "boolean", "number": "double"}


def avro(t, name):
    if t["type"] == "object":
        return {"type": "record", "name": name,
                "fields": [{"name": k, "type": ["null", avro(v, f"{name}_{k}")], "default": None}
                           for k, v in t["props"].items()]}
    if t["type"] == "array":
        return {"type": "array", "items": avro(t["items"], f"{name}_item")}
    if t["type"] == "map":
        return {"type": "map", "values": avro(t["values"], f"{name}_value")}
    return AVRO[t["type"]]


def outputs():
    for version in VERSIONS:
        for cls in CLASSES.values():
            t = tree(version, cls)
            cols = [{"Name": k, "Type": glue(v)} for k, v in t["props"].items()]
            base = f"glue/{version}/{cls}"
            yield base + ".columns.json", json.dumps(cols, indent=1) + "\n"
            rec = avro(t, f"nettrail_ocsf_{cls}_{version.replace('.', '_')}")
            rec["namespace"] = "io.nettrail.ocsf"
            yield base + ".avsc", json.dumps(rec, indent=1) + "\n"


def fits(value, t, path, errors):
    """A record's value against the pruned tree: no field outside it."""
    kind = t["type"]
    if kind == "object":
        if not isinstance(value, dict):
            errors.append(f"{path}: not an object")
            return
        for k, v in value.items():
            if k not in t["props"]:
                errors.append(f"{path}.{k}: no column (Firehose would drop it)")
            else:
                fits(v, t["props"][k], f"{path}.{k}", errors)
    elif kind == "array":
        for i, v in enumerate(value if isinstance(value, list) else [None]):
            fits(v, t["items"], f"{path}[{i}]", errors)
    elif kind == "map":
        for k, v in (value.items() if isinstance(value, dict) else []):
            fits(v, t["values"], f"{path}.{k}", errors)
    else:
        ok = {"integer": lambda x: isinstance(x, int) and not isinstance(x, bool),
              "string": lambda x: isinstance(x, str), "boolean": lambda x: isinstance(x, bool),
              "number": lambda x: isinstance(x, (int, float))}[kind](value)
        if not ok:
            errors.append(f"{path}: {value!r} is not {kind}")


def check_records(files):
    trees, n, bad = {}, 0, 0
    for path in files:
        for lineno, line in enumerate(open(path), 1):
            rec = json.loads(line) if line.strip() else {}
            if "class_uid" not in rec:
                continue
            key = (rec["metadata"]["version"], CLASSES[rec["class_uid"]])
            if key not in trees:
                trees[key] = tree(*key)
            errors = []
            fits(rec, trees[key], "$", errors)
            n += 1
            if errors:
                bad += 1
                print(f"{path}:{lineno}: {'; '.join(errors[:3])}", file=sys.stderr)
    print(f"{n - bad} of {n} OCSF records fit the Glue columns")
    return 1 if bad or not n else 0


def main(argv):
    if argv and argv[0] == "--records":
        return check_records(argv[1:])
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else OCSF
    bad = []
    for rel, text in outputs():
        path = out / rel
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                bad.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if bad:
        print("differ from what tools/gen_glue_schema.py generates: " + ", ".join(bad),
              file=sys.stderr)
        return 1
    print("the Glue columns and Avro schemas are " +
          ("as generated" if "--check" in argv else f"written under {out}/glue"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
