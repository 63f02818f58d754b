#!/usr/bin/python3
"""Validate nettrail JSON-lines records against docs/schema/ and the record invariants.

usage: validate_records.py FILE [FILE...]      ("-" reads standard input)

Each line must be one JSON object; its schema is chosen by event.dataset. On
top of the JSON Schema it checks what a schema cannot express: totals are the
sums of both directions, event.duration matches the timestamps, record_id is
unique across every input line, a flow keeps its 5-tuple across reports, and a
few more (see check_flow / check_dns / check_heartbeat). Exit 0 when every record is
valid, 1 when one is not or there is no record at all, 2 on usage errors.
Needs Debian's python3-jsonschema (4.10): run it with /usr/bin/python3.
"""
import datetime
import ipaddress
import json
import os
import socket
import sys
from pathlib import Path

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_DIR = Path(os.environ.get("NT_SCHEMA_DIR")
                  or Path(__file__).resolve().parents[2] / "docs" / "schema")
DATASETS = {"nettrail.flow": "flow", "nettrail.heartbeat": "heartbeat", "nettrail.dns": "dns",
            "nettrail.capture": "capture"}
MAX_REPORTED = 10      # invalid records printed in full
MAX_ERRORS = 3         # errors printed per invalid record

# network.transport names (the schema's enum) and their protocol numbers.
IANA = {"icmp": 1, "igmp": 2, "ipv4": 4, "tcp": 6, "udp": 17, "dccp": 33, "ipv6": 41,
        "gre": 47, "esp": 50, "ah": 51, "ipv6-icmp": 58, "ospfigp": 89, "pim": 103,
        "vrrp": 112, "l2tp": 115, "sctp": 132, "udplite": 136, "mpls-in-ip": 137}
PRIVATE = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",   # RFC 1918
    "100.64.0.0/10",                                   # CGNAT
    "127.0.0.0/8", "::1/128",                          # loopback
    "169.254.0.0/16", "fe80::/10",                     # link-local
    "fc00::/7")]                                       # RFC 4193
MIN_IP_HEADER = {"ipv4": 20, "ipv6": 40}
EPOCH = datetime.datetime(1970, 1, 1)
DNS_OPCODES = {"QUERY": 0, "IQUERY": 1, "STATUS": 2, "NOTIFY": 4, "UPDATE": 5}
DNS_RCODES = {"NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4,
              "REFUSED": 5, "YXDOMAIN": 6, "YXRRSET": 7, "NXRRSET": 8, "NOTAUTH": 9,
              "NOTZONE": 10, "DSOTYPENI": 11, "BADVERS": 16, "BADKEY": 17, "BADTIME": 18,
              "BADMODE": 19, "BADNAME": 20, "BADALG": 21, "BADTRUNC": 22, "BADCOOKIE": 23}


def _strict_integer(_checker, value):
    """JSON integers only: 3.0 or 1e3 is not a count."""
    return isinstance(value, int) and not isinstance(value, bool)


Validator = jsonschema.validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer))


def load_validators():
    validators = {}
    for dataset, name in DATASETS.items():
        schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())
        Draft202012Validator.check_schema(schema)
        validators[dataset] = Validator(schema, format_checker=FormatChecker())
    return validators


def get(record, dotted, default=None):
    node = record
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def micros(text):
    """RFC 3339 '...T..:..:..ffffffZ' -> integer microseconds since the epoch."""
    dt = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return (dt - EPOCH) // datetime.timedelta(microseconds=1)


def is_private(ip):
    addr = ipaddress.ip_address(ip)
    return any(addr.version == net.version and addr in net for net in PRIVATE)


def ipv6_form_errors(path, ip):
    """An IPv6 address must be written as inet_ntop writes it (RFC 5952, with the
    dotted tail for IPv4-mapped addresses); IPv4 and invalid text are left to the schema."""
    if ":" not in ip:
        return []
    try:
        want = socket.inet_ntop(socket.AF_INET6, ipaddress.IPv6Address(ip).packed)
    except ValueError:
        return []
    return [] if ip == want else [(path, f"{ip} is not in RFC 5952 form ({want})")]


def transport_errors(net):
    """network.transport against network.iana_number, and ICMP against the IP version."""
    errors = []
    transport, number = net["transport"], int(net["iana_number"])
    if transport.isdigit():
        if int(transport) != number:
            errors.append(("$.network.transport", f"{transport} but iana_number {number}"))
        elif number in IANA.values():
            errors.append(("$.network.transport", f"protocol {number} has a name; use it"))
    elif IANA[transport] != number:
        errors.append(("$.network.iana_number", f"{number} but transport {transport}"))
    if (transport, net["type"]) in (("icmp", "ipv6"), ("ipv6-icmp", "ipv4")):
        errors.append(("$.network.transport", f"{transport} over {net['type']}"))
    return errors


# --inside CIDR,...: the cluster's ranges (nettrail's --cluster-cidr and
# --service-cidr); then an end is inside when its address is in one of them
# or it carries a Kubernetes identity, as nettrail decides it.
INSIDE = None


def inside(end):
    if INSIDE is None:
        return is_private(end["ip"])
    a = ipaddress.ip_address(end["ip"])
    return "kubernetes" in end or any(a.version == n.version and a in n for n in INSIDE)


def direction_errors(rec):
    """network.direction from the two addresses."""
    want = {(True, True): "internal", (True, False): "outbound",
            (False, True): "inbound", (False, False): "external"}[
                (inside(rec["source"]), inside(rec["destination"]))]
    have = rec["network"]["direction"]
    return [] if have == want else [("$.network.direction", f"{have} but the addresses make it {want}")]


class Checker:
    def __init__(self):
        self.validators = load_validators()
        self.record_ids = {}      # record_id -> "file:line"
        self.flow_reports = {}    # (run id, flow id, report_seq) -> (event.start, event.end) in us
        self.flow_tuples = {}     # (run id, flow id) -> (5-tuple, nettrail.flow.start)

    def check(self, record, where):
        """Return a list of (json path, message); empty when the record is valid."""
        if not isinstance(record, dict):
            return [("$", "a record must be a JSON object")]
        dataset = get(record, "event.dataset")
        errors = self.check_record_id(record, where)
        validator = self.validators.get(dataset) if isinstance(dataset, str) else None
        if validator is None:
            return errors + [("$.event.dataset", f"unknown dataset {dataset!r}")]
        schema_errors = sorted(validator.iter_errors(record), key=lambda e: list(map(str, e.path)))
        errors += [(e.json_path, e.message) for e in schema_errors]
        if not errors:   # invariants assume the schema holds
            errors += self.check_common(record)
            errors += {"nettrail.flow": self.check_flow, "nettrail.dns": self.check_dns,
                       "nettrail.heartbeat": self.check_heartbeat,
                       "nettrail.capture": self.check_capture}[dataset](record, where)
        return errors

    @staticmethod
    def check_capture(rec, where):
        """A capture's counts within its limits; start <= end; a refusal says why."""
        errors = []
        cap, ev = rec["nettrail"]["capture"], rec["event"]
        if micros(ev["start"]) > micros(ev["end"]):
            errors.append(("$.event.start", "after event.end"))
        if cap["bytes"] > cap["limits"]["bytes"]:
            errors.append(("$.nettrail.capture.bytes", "more than the byte limit"))
        if "packets" in cap["limits"] and cap["packets"] > cap["limits"]["packets"]:
            errors.append(("$.nettrail.capture.packets", "more than the packet limit"))
        if (cap["end_reason"] == "refused") != ("reason" in ev):
            errors.append(("$.event.reason", "a refused capture, and only one, says why"))
        return errors

    def check_record_id(self, record, where):
        rid = get(record, "nettrail.record_id")
        if not isinstance(rid, str):
            return []
        if rid in self.record_ids:
            return [("$.nettrail.record_id", f"duplicate record_id {rid} (first at {self.record_ids[rid]})")]
        self.record_ids[rid] = where
        return []

    @staticmethod
    def check_common(record):
        errors = []
        for path in ("@timestamp", "event.start", "event.end", "nettrail.flow.start"):
            value = get(record, path)
            if value is not None:
                try:
                    micros(value)
                except ValueError as exc:
                    errors.append((f"$.{path}", f"{value!r} is not a valid time: {exc}"))
        return errors

    def check_flow(self, rec, where):
        errors = []
        src, dst, net = rec["source"], rec["destination"], rec["network"]
        for key in ("bytes", "packets"):
            if net[key] != src[key] + dst[key]:
                errors.append((f"$.network.{key}", f"{net[key]} != source.{key} {src[key]}"
                               f" + destination.{key} {dst[key]}"))
        for side, end in (("source", src), ("destination", dst)):
            if (end["packets"] == 0) != (end["bytes"] == 0):
                errors.append((f"$.{side}.bytes", f"{end['bytes']} bytes in {end['packets']} packets"))
            elif end["bytes"] < end["packets"] * MIN_IP_HEADER[net["type"]]:
                errors.append((f"$.{side}.bytes", f"{end['bytes']} bytes is less than an IP header"
                               f" per packet ({end['packets']} packets)"))
            errors += ipv6_form_errors(f"$.{side}.ip", end["ip"])
        if ("port" in src) != ("port" in dst):
            errors.append(("$.destination.port", "source.port and destination.port go together"))

        # times (parse errors were reported by check_common)
        nt = rec["nettrail"]
        try:
            start, end, stamp = micros(rec["event"]["start"]), micros(rec["event"]["end"]), micros(rec["@timestamp"])
            flow_start = micros(nt["flow"]["start"])
        except ValueError:
            return errors
        if end < start:
            errors.append(("$.event.end", "event.end is before event.start"))
        diff = rec["event"]["duration"] - (end - start) * 1000
        if abs(diff) >= 1000:
            errors.append(("$.event.duration", f"{rec['event']['duration']} ns but end - start is"
                           f" {(end - start) * 1000} ns"))
        if stamp != end:
            errors.append(("$.@timestamp", "a flow's @timestamp must equal event.end"))
        if nt["flow"]["report_seq"] == 1 and flow_start != start:
            errors.append(("$.nettrail.flow.start", "the first report starts with the flow"))
        if flow_start > start:
            errors.append(("$.nettrail.flow.start", "the flow starts after this report's interval"))

        # protocol, and direction from the two addresses
        transport = net["transport"]
        errors += transport_errors(net)
        errors += direction_errors(rec)

        # nettrail.*
        iface = nt["observer"]
        if "interfaces" in iface and iface["interfaces"][0] != iface["interface"]:
            errors.append(("$.nettrail.observer.interfaces", "must start with nettrail.observer.interface"))
        tcp = nt.get("tcp")
        if tcp:
            if tcp["conn_state"] == "S0" and tcp["flags"]["destination"]:
                errors.append(("$.nettrail.tcp.flags.destination", "S0 means the responder sent nothing"))
            if tcp["conn_state"] == "REJ" and "RST" not in tcp["flags"]["destination"]:
                errors.append(("$.nettrail.tcp.flags.destination", "REJ needs a RST from the responder"))

        # one flow across its reports: same 5-tuple and start, each interval begins where the last ended
        run = nt["record_id"].split("-")[0]
        fid, seq = nt["flow"]["id"], nt["flow"]["report_seq"]
        if (run, fid, seq) in self.flow_reports:
            errors.append(("$.nettrail.flow.report_seq", f"flow {fid} report {seq} seen twice"))
            return errors
        self.flow_reports[(run, fid, seq)] = (start, end)
        five = (transport, src["ip"], src.get("port"), dst["ip"], dst.get("port"))
        first_five, first_start = self.flow_tuples.setdefault((run, fid), (five, flow_start))
        if first_five != five:
            errors.append(("$.nettrail.flow.id", f"flow {fid} changed its 5-tuple from {first_five} to {five}"))
        if first_start != flow_start:
            errors.append(("$.nettrail.flow.start", f"flow {fid} changed its start"))
        before, after = self.flow_reports.get((run, fid, seq - 1)), self.flow_reports.get((run, fid, seq + 1))
        if before and before[1] != start:
            errors.append(("$.event.start", f"report {seq} of flow {fid} must start at the end of report {seq - 1}"))
        if after and after[0] != end:
            errors.append(("$.event.end", f"report {seq} of flow {fid} must end where report {seq + 1} starts"))
        return errors

    @staticmethod
    def check_dns(rec, _where):
        errors = []
        event, dns = rec["event"], rec["dns"]
        ntdns = rec["nettrail"].get("dns", {})
        answers = dns.get("answers", [])

        # what was seen: dns.type, nettrail.dns.unanswered and the times agree
        if dns["type"] == "query":
            if ntdns.get("unanswered") is not True:
                errors.append(("$.nettrail.dns.unanswered", "a query record (dns.type query) is unanswered: must be true"))
            for path in ("dns.response_code", "dns.answers", "dns.resolved_ip", "event.end", "event.duration"):
                if get(rec, path) is not None:
                    errors.append((f"$.{path}", f"an unanswered query has no {path}"))
            if "start" not in event:
                errors.append(("$.event.start", "an unanswered query needs event.start (the query's time)"))
        else:
            if ntdns.get("unanswered"):
                errors.append(("$.nettrail.dns.unanswered", "an answer (dns.type answer) is not unanswered"))
            if "end" not in event:
                errors.append(("$.event.end", "an answer needs event.end (the answer's time)"))
        if ntdns.get("answers_truncated") and not answers:
            errors.append(("$.nettrail.dns.answers_truncated", "answers were truncated but there are none"))

        # times (parse errors were reported by check_common)
        try:
            times = {k: micros(event[k]) for k in ("start", "end") if k in event}
            stamp = micros(rec["@timestamp"])
        except ValueError:
            times, stamp = None, None
        if times is not None:
            if "duration" in event and len(times) < 2:
                errors.append(("$.event.duration", "event.duration needs event.start and event.end"))
            elif len(times) == 2:
                start, end = times["start"], times["end"]
                if end < start:
                    errors.append(("$.event.end", "event.end is before event.start"))
                if "duration" not in event:
                    errors.append(("$.event.duration", "a query and its answer need event.duration"))
                elif abs(event["duration"] - (end - start) * 1000) >= 1000:
                    errors.append(("$.event.duration", f"{event['duration']} ns but end - start is"
                                   f" {(end - start) * 1000} ns"))
            if "end" in times:
                if stamp != times["end"]:
                    errors.append(("$.@timestamp", "a DNS record's @timestamp must equal event.end (the answer's time)"))
            elif "start" in times:
                if stamp != times["start"]:
                    errors.append(("$.@timestamp", "an unanswered query's @timestamp must equal event.start"))
            else:
                errors.append(("$.event", "a DNS record needs event.start (query seen) or event.end (answer seen)"))

        # dns.resolved_ip is exactly the A/AAAA data, in order
        want = [a["data"] for a in answers if a["type"] in ("A", "AAAA")]
        have = dns.get("resolved_ip", [])
        if have != want:
            errors.append(("$.dns.resolved_ip", f"{have} but the A/AAAA answers hold {want}"))
        for i, ip in enumerate(have):
            errors += ipv6_form_errors(f"$.dns.resolved_ip[{i}]", ip)

        # numbers only for codes without a name
        opcode, rcode = dns.get("op_code", ""), dns.get("response_code", "")
        if opcode.isdigit() and int(opcode) in DNS_OPCODES.values():
            errors.append(("$.dns.op_code", f"opcode {opcode} has a name; use it"))
        if rcode.startswith("RCODE") and int(rcode[5:]) in DNS_RCODES.values():
            errors.append(("$.dns.response_code", f"{rcode} has a name; use it"))

        # network
        for side in ("source", "destination"):
            errors += ipv6_form_errors(f"$.{side}.ip", rec[side]["ip"])
        errors += transport_errors(rec["network"])
        errors += direction_errors(rec)
        return errors

    @staticmethod
    def check_heartbeat(rec, _where):
        hb = rec["nettrail"]["heartbeat"]
        if hb["flows_tracked"] > hb["flow_table_size"]:
            return [("$.nettrail.heartbeat.flows_tracked", "more flows tracked than the table holds")]
        return []


def _no_duplicate_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse(raw):
    return json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys,
                      parse_constant=_no_constant)


def main(argv):
    global INSIDE
    if len(argv) >= 2 and argv[0] == "--inside":
        INSIDE = [ipaddress.ip_network(c) for c in argv[1].split(",")]
        argv = argv[2:]
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        checker = Checker()
    except (OSError, ValueError, jsonschema.SchemaError) as exc:
        print(f"cannot load the schemas from {SCHEMA_DIR}: {exc}", file=sys.stderr)
        return 2
    total, invalid, per_dataset = 0, 0, {name: 0 for name in DATASETS.values()}
    for path in argv:
        try:
            stream = sys.stdin.buffer if path == "-" else open(path, "rb")
        except OSError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 2
        with stream:
            for lineno, raw in enumerate(stream, 1):
                total += 1
                where = f"{path}:{lineno}"
                try:
                    record = parse(raw)
                    errors = checker.check(record, where)
                except ValueError as exc:    # also UnicodeDecodeError, JSONDecodeError
                    errors = [("$", f"not a JSON object line: {exc}")]
                if errors:
                    invalid += 1
                    if invalid <= MAX_REPORTED:
                        for json_path, message in errors[:MAX_ERRORS]:
                            if len(message) > 200:
                                message = message[:200] + "..."
                            print(f"{where}: {json_path}: {message}", file=sys.stderr)
                        if len(errors) > MAX_ERRORS:
                            print(f"{where}: ... {len(errors) - MAX_ERRORS} more errors", file=sys.stderr)
                else:
                    per_dataset[DATASETS[record["event"]["dataset"]]] += 1
    # capture audit records are rare: counted in the line only when there are some
    counts = " ".join(f"{name}={n}" for name, n in per_dataset.items()
                      if n or name != "capture")
    if total == 0:
        print("no records", file=sys.stderr)
        return 1
    if invalid:
        if invalid > MAX_REPORTED:
            print(f"... and {invalid - MAX_REPORTED} more invalid records", file=sys.stderr)
        print(f"FAILED: {invalid} of {total} records invalid (valid: {counts})", file=sys.stderr)
        return 1
    print(f"validated {total} records ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
