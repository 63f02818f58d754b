"""--output kafka against a real Apache Kafka broker (KRaft, tests/kafka):
the consumer receives exactly the records --output stdout prints for the
same capture, on the right topics, with keys and headers."""
import json
import subprocess
import uuid

import pytest

from conftest import NETTRAIL, PY, ROOT, flows, prefetched, read_records, sh

BROKER = ROOT / "tests" / "kafka" / "broker.sh"
GEN = ROOT / "build" / "bench" / "gen_pcap"


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    d = tmp_path_factory.mktemp("kafka")
    prefetched("kafka")
    r = sh(str(BROKER), "start", str(d), timeout=240)
    boot = [l.split("=", 1)[1] for l in r.stdout.splitlines() if l.startswith("BOOTSTRAP=")]
    assert boot, r.stdout + r.stderr
    yield boot[0]
    sh(str(BROKER), "stop", str(d), check=False, timeout=60)


def consume(boot, topic, n):
    """Exactly n messages from the topic's start: key, headers, value."""
    r = sh("kcat", "-C", "-b", boot, "-t", topic, "-o", "beginning", "-c", str(n), "-e",
           "-q", "-J", timeout=60)
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def strip_ids(rec):
    rec = json.loads(json.dumps(rec))
    del rec["nettrail"]["record_id"]
    rec["nettrail"].get("flow", {}).pop("id", None)
    return rec


def test_replay_to_kafka_equals_stdout(broker, tmp_path):
    GEN.parent.mkdir(parents=True, exist_ok=True)
    sh("gcc", "-O2", str(ROOT / "bench" / "gen_pcap.c"), "-o", str(GEN))
    sh(str(GEN), str(tmp_path / "g.pcap"), "--packets", "3000", "--flows", "60",
       "--seed", "5", "--v6-ratio", "0.3")
    sh(str(NETTRAIL), "--pcap", str(tmp_path / "g.pcap"), "-o", f"file:{tmp_path}/ref.jsonl",
       "--node-name", "kafka-node")
    ref = read_records(tmp_path / "ref.jsonl")
    ref_flows = flows(ref)
    assert len(ref_flows) == 60
    prefix = f"t{uuid.uuid4().hex[:8]}."
    r = sh(str(NETTRAIL), "--pcap", str(tmp_path / "g.pcap"), "-o", "kafka",
           "--kafka-brokers", broker, "--kafka-topic-prefix", prefix,
           "--node-name", "kafka-node", check=False, timeout=120)
    assert r.returncode == 0, r.stderr
    msgs = consume(broker, prefix + "flow", len(ref_flows))
    assert len(msgs) == len(ref_flows)
    got = [json.loads(m["payload"]) for m in msgs]
    # same records, same order within the partition (one partition here)
    assert sorted(json.dumps(strip_ids(x), sort_keys=True) for x in got) == \
        sorted(json.dumps(strip_ids(x), sort_keys=True) for x in ref_flows)
    assert len({x["nettrail"]["record_id"] for x in got}) == len(got)
    for m, x in zip(msgs, got):
        assert m["key"] == x["network"]["community_id"]
        h = dict(zip(m["headers"][::2], m["headers"][1::2]))
        assert h == {"nettrail.record_type": "flow", "nettrail.schema_version": "1.0.0",
                     "nettrail.node": "kafka-node"}
    hb = consume(broker, prefix + "heartbeat", 1)
    c = json.loads(hb[0]["payload"])["nettrail"]["heartbeat"]["counters"]
    assert hb[0]["key"] == "kafka-node"
    assert c["kafka_produced"] == len(ref_flows) and c["kafka_failed"] == 0
    # nothing more than that on the flow topic
    more = sh("kcat", "-C", "-b", broker, "-t", prefix + "flow", "-o", str(len(ref_flows)),
              "-e", "-q", timeout=60).stdout
    assert more.strip() == ""


def ocsf_key(x):
    """An OCSF record without its per-run ids (run id, flow id seed)."""
    x = json.loads(json.dumps(x))
    del x["metadata"]["uid"]
    x["metadata"].pop("correlation_uid", None)
    x["connection_info"].pop("uid", None)
    return json.dumps(x, sort_keys=True)


def headers(m):
    return dict(zip(m["headers"][::2], m["headers"][1::2]))


def test_ocsf_topics_keys_and_headers(broker, tmp_path):
    """--record-format ecs,ocsf: the OCSF twins on their own topics
    (nettrail.ocsf.network_activity by default, the DNS topic overridden),
    keyed like the ECS records (the Community ID), with the ECS headers and
    nettrail.ocsf_version; each equal to its ECS twin (validate_ocsf.py)."""
    GEN.parent.mkdir(parents=True, exist_ok=True)
    sh("gcc", "-O2", str(ROOT / "bench" / "gen_pcap.c"), "-o", str(GEN))
    sh(str(GEN), str(tmp_path / "g.pcap"), "--packets", "2000", "--flows", "40",
       "--seed", "7", "--v6-ratio", "0.3")
    sh(PY, str(ROOT / "tests" / "lib" / "corpus_to_pcap.py"), str(tmp_path / "c.pcap"),
       "--mutations", "0")
    for pcap, version, nflow in (("g", "1.8.0", 40), ("c", "1.1.0", None)):
        prefix = f"o{uuid.uuid4().hex[:8]}."
        dns_topic = prefix + "custom-ocsf-dns"
        sh(str(NETTRAIL), "--pcap", str(tmp_path / f"{pcap}.pcap"), "-o",
           f"file:{tmp_path}/{pcap}.jsonl", "--record-format", "ecs,ocsf", "--ocsf-version",
           version, "--node-name", "kafka-node")
        ref = [json.loads(l) for l in open(tmp_path / f"{pcap}.jsonl")]
        want = {c: [r for r in ref if r.get("class_uid") == c] for c in (4001, 4003)}
        if nflow:
            assert len(want[4001]) == nflow
        r = sh(str(NETTRAIL), "--pcap", str(tmp_path / f"{pcap}.pcap"), "-o", "kafka",
               "--kafka-brokers", broker, "--kafka-topic-prefix", prefix,
               "--kafka-topic-ocsf-dns", dns_topic, "--record-format", "ecs,ocsf",
               "--ocsf-version", version, "--node-name", "kafka-node", check=False, timeout=120)
        assert r.returncode == 0, r.stderr
        got = []
        for cls, topic, rtype in ((4001, prefix + "ocsf.network_activity", "ocsf.network_activity"),
                                  (4003, dns_topic, "ocsf.dns_activity")):
            msgs = consume(broker, topic, len(want[cls])) if want[cls] else []
            assert len(msgs) == len(want[cls]), (topic, len(msgs))
            for m in msgs:
                x = json.loads(m["payload"])
                assert x["class_uid"] == cls and x["metadata"]["version"] == version
                cid = x["connection_info"].get("community_uid") or x["unmapped"]["community_id"]
                assert m["key"] == cid
                assert headers(m) == {"nettrail.record_type": rtype,
                                      "nettrail.schema_version": "1.0.0",
                                      "nettrail.node": "kafka-node",
                                      "nettrail.ocsf_version": version}
                got.append(m["payload"])
        assert sorted(ocsf_key(json.loads(p)) for p in got) == sorted(
            ocsf_key(x) for x in want[4001] + want[4003])
        # the ECS twins on their topics, the same record_ids: field by field
        ecs = consume(broker, prefix + "flow", len(flows(read_records(tmp_path / f"{pcap}.jsonl"))))
        ndns = sum(1 for x in ref if x.get("event", {}).get("dataset") == "nettrail.dns")
        ecs += consume(broker, prefix + "dns", ndns) if ndns else []
        (tmp_path / "both.jsonl").write_text("".join(p + "\n" for p in got) +
                                             "".join(m["payload"] + "\n" for m in ecs))
        v = sh(PY, str(ROOT / "tests" / "lib" / "validate_ocsf.py"), "--version", version,
               "--twins", str(tmp_path / "both.jsonl"), check=False)
        assert v.returncode == 0, v.stderr
        assert f"validated {len(got)} OCSF records" in v.stdout, v.stdout


@pytest.mark.parametrize("args,rc,msg", [
    (["-o", "kafka"], 2, "nettrail: --output kafka needs --kafka-brokers"),
    (["-o", "kafka", "--kafka-brokers", "nohostport"], 2,
     "nettrail: --kafka-brokers: 'nohostport' is not a list of host:port"),
    (["-o", "kafka", "--kafka-brokers", "127.0.0.1:9", "--kafka-prop", "no.such.property=1"], 2,
     "nettrail: kafka property no.such.property=1: "),
    (["-o", "kafka", "--kafka-brokers", "127.0.0.1:9", "--kafka-prop", "acks"], 2,
     "nettrail: --kafka-prop: 'acks' is not key=value"),
])
def test_kafka_config_errors(args, rc, msg, tmp_path):
    r = sh(str(NETTRAIL), "--pcap", "/nonexistent.pcap", *args, check=False, timeout=30)
    assert r.returncode == rc, r.stderr
    assert r.stderr.startswith(msg), r.stderr


def all_ids(boot, prefix):
    """record_id of every message on the run's three topics."""
    ids = []
    for t in ("flow", "dns", "heartbeat"):
        r = sh("kcat", "-C", "-b", boot, "-t", prefix + t, "-o", "beginning", "-e", "-q",
               timeout=60, check=False)
        ids += [json.loads(l)["nettrail"]["record_id"] for l in r.stdout.splitlines() if l.strip()]
    return ids


def summary(stderr):
    import re
    m = re.search(r"produced (\d+), acked (\d+), failed (\d+), spooled (\d+), replayed (\d+), "
                  r"resent (\d+), producer resets (\d+), .*, in spool (\d+)", stderr)
    assert m, stderr
    return dict(zip(("produced", "acked", "failed", "spooled", "replayed", "resent", "resets",
                     "in_spool"), map(int, m.groups())))


@pytest.mark.parametrize("spool", [False, True])
def test_fatal_error_recreates_the_producer_and_resends(broker, tmp_path, spool):
    """A fatal librdkafka error (raised through librdkafka's own test hook,
    as 2.0.2 raises a spurious one after outages): the producer is
    re-created, every unconfirmed record is sent again, nothing is lost,
    and the duplicates a consumer sees are at most the re-sends counted."""
    GEN.parent.mkdir(parents=True, exist_ok=True)
    sh("gcc", "-O2", str(ROOT / "bench" / "gen_pcap.c"), "-o", str(GEN))
    sh(str(GEN), str(tmp_path / "g.pcap"), "--packets", "4000", "--flows", "400", "--seed", "9")
    prefix = f"f{uuid.uuid4().hex[:8]}."
    args = ["--spool-dir", str(tmp_path / "spool")] if spool else []
    import os
    r = subprocess.run([str(NETTRAIL), "--pcap", str(tmp_path / "g.pcap"), "-o", "kafka",
                        "--kafka-brokers", broker, "--kafka-topic-prefix", prefix,
                        "--node-name", "fatal-node", *args],
                       env={**os.environ, "NETTRAIL_FAULT": "kafka-fatal-at=150"},
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    s = summary(r.stderr)
    assert s["resets"] == 1, r.stderr
    assert "fatal error" in r.stderr and "re-creating the producer" in r.stderr
    assert s["produced"] == 401 and s["failed"] == 0, r.stderr  # 400 flows + heartbeat
    ids = all_ids(broker, prefix)
    run = ids[0].rsplit("-", 1)[0]
    assert set(ids) == {f"{run}-{i}" for i in range(1, 402)}, "every record arrived"
    dups = len(ids) - len(set(ids))
    assert dups <= s["resent"], (dups, s)
    if spool:
        assert not list((tmp_path / "spool").glob("*.seg")), "the spool is empty afterwards"


@pytest.mark.parametrize("spool", [False, True])
def test_failed_recreation_retried_until_the_producer_is_back(broker, tmp_path, spool):
    """The fatal error at record 150, and the first 3 re-creations of the
    producer fail (rd_kafka_new refuses the conf, as when a CA file has
    gone away): nettrail neither crashes nor spins nor hangs, tries again
    once a second, and once a producer is back every record arrives. In
    between, records wait in memory (no spool) or in the spool."""
    import os
    import time
    GEN.parent.mkdir(parents=True, exist_ok=True)
    sh("gcc", "-O2", str(ROOT / "bench" / "gen_pcap.c"), "-o", str(GEN))
    sh(str(GEN), str(tmp_path / "g.pcap"), "--packets", "4000", "--flows", "400", "--seed", "9")
    prefix = f"r{uuid.uuid4().hex[:8]}."
    args = ["--spool-dir", str(tmp_path / "spool")] if spool else []
    t0 = time.monotonic()
    r = subprocess.run([str(NETTRAIL), "--pcap", str(tmp_path / "g.pcap"), "-o", "kafka",
                        "--kafka-brokers", broker, "--kafka-topic-prefix", prefix,
                        "--node-name", "reset-node", *args],
                       env={**os.environ,
                            "NETTRAIL_FAULT": "kafka-fatal-at=150,kafka-reset-fail=3"},
                       capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    s = summary(r.stderr)
    assert s["resets"] == 1, r.stderr  # one fatal error, one producer replaced
    assert s["produced"] == 401 and s["failed"] == 0, r.stderr  # 400 flows + heartbeat
    tries = [l for l in r.stderr.splitlines()
             if l.startswith("nettrail: kafka: could not re-create the producer")]
    assert len(tries) == 3, r.stderr
    assert all("ssl.ca.location" in l for l in tries), tries
    assert "nettrail: kafka: producer re-created after 3 failed attempts" in r.stderr, r.stderr
    # attempts at 0, 1, 2 s, success at 3 s: paced, and no hang
    assert 2.5 < elapsed < 30, (elapsed, r.stderr)
    ids = all_ids(broker, prefix)
    run = ids[0].rsplit("-", 1)[0]
    assert set(ids) == {f"{run}-{i}" for i in range(1, 402)}, "every record arrived"
    dups = len(ids) - len(set(ids))
    assert dups <= s["resent"], (dups, s)
    assert 401 <= s["acked"] <= len(ids), (s, len(ids))
    if spool:
        assert s["spooled"] > 0 and s["in_spool"] == 0, r.stderr
        assert not list((tmp_path / "spool").glob("*.seg")), "the spool is empty afterwards"
    else:
        assert s["spooled"] == 0, r.stderr
