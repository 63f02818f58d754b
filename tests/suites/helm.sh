#!/usr/bin/env bash
# The Helm chart (charts/nettrail), checked without a cluster:
#   - helm lint --strict and helm template with no values at all (the
#     defaults install: records to stdout, no cluster name), and for every
#     values file under tests/helm/values/ (Kafka, Kafka TLS + SCRAM, stdout,
#     Kubernetes off, several cluster names, an empty cluster name, emptyDir
#     spool), and with the --set flags NOTES.txt gives for turning Kafka on;
#   - every rendered object decoded strictly into the real Kubernetes API
#     types (tests/helm/validate, k8s.io/api; unknown fields, duplicate keys
#     and wrong types fail), after the validator has shown it rejects such
#     mistakes (tests/helm/bad/);
#   - the DaemonSet's security context, capabilities, mounts, probes, RBAC,
#     and the rendered args + ConfigMap env passed to the real binary's
#     --check-config, whose effective configuration must match the values
#     (tests/helm/check_rendered.py); for stdout, a pcap replay with those
#     settings, whose records carry the cluster name, or none when unset;
#   - NOTES.txt as helm would print it: records in the container log by
#     default, and how to turn Kafka on (or, with Kafka, how to read it);
#   - one negative case per values.schema.json rule (helm lint and helm
#     template must both refuse it) and per template rule (helm template
#     must), each with the expected message, and one value the schema lets
#     through but the binary refuses;
#   - chart appVersion = Makefile VERSION = the binary's --version, and the
#     default image is ghcr.io/nettrail/nettrail:<that version>.
# helm v3.19.0 is installed by `go install` into ~/.cache/nettrail/bin when
# missing or another version (tests/lib/ensure_helm.sh). Every output goes
# to build/helm, emptied first; scratch files to a mktemp directory removed
# at exit. Needs root (chroot for
# --check-config, BPF for the replay), go, python3. Prints "ok ..." /
# "FAIL ..." and ends with "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
HELM_VERSION=$(sed -n 's/^HELM_VERSION=//p' tests/lib/ensure_helm.sh)
CHART=charts/nettrail
OUT=build/helm
pass=0 fail=0

ok() { echo "ok $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]; exit; }
# Counts the "ok"/"FAIL" lines of a checker's output, prefixing each.
relay() { # prefix
	local line
	while IFS= read -r line; do
		case $line in
		ok\ *) echo "ok $1: ${line#ok }"; pass=$((pass + 1)) ;;
		FAIL\ *) echo "FAIL $1: ${line#FAIL }"; fail=$((fail + 1)) ;;
		*) echo "# $line" ;;
		esac
	done
}

rm -rf "$OUT"
mkdir -p "$OUT"
SCRATCH=$(mktemp -d -t nettrail-helm.XXXXXX) || exit 1
trap 'rm -rf "$SCRATCH"' EXIT

# ---- tools ---------------------------------------------------------------
GO=$(command -v go || echo /usr/local/go/bin/go)
[ -x "$GO" ] || { no tools "go is missing (needed for helm and the validator)"; finish; }
[ "$(id -u)" -eq 0 ] || { no tools "needs root (chroot and mount namespace for --check-config)"; finish; }
for t in python3 unshare chroot mount; do
	command -v "$t" >/dev/null || { no tools "$t is missing"; finish; }
done
if tests/lib/prefetch.sh wait helm 2>"$OUT/err" &&
	HELM=$(tests/lib/ensure_helm.sh "$OUT/helm-install.log" 2>"$OUT/err"); then
	ok "helm $HELM_VERSION"
else
	no tools "$(tail -1 "$OUT/err")"; finish
fi
VALIDATE=$root/$OUT/validate
if (cd tests/helm/validate && GOFLAGS=-mod=readonly "$GO" build -o "$VALIDATE" .) >"$OUT/validate-build.log" 2>&1; then
	ok "validator built (k8s.io/api $(sed -n 's/^\tk8s.io\/api \(v[^ ]*\)$/\1/p' tests/helm/validate/go.mod))"
else
	no tools "go build tests/helm/validate: $(tail -5 "$OUT/validate-build.log")"; finish
fi
if ! make all >"$OUT/make.log" 2>&1; then
	no build "make all failed: $(tail -5 "$OUT/make.log")"; finish
fi
NETTRAIL=$root/build/nettrail

# ---- versions ------------------------------------------------------------
make_version=$(sed -n 's/^VERSION *:= *\([^ ]*\).*/\1/p' Makefile)
app_version=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' $CHART/Chart.yaml)
bin_version=$("$NETTRAIL" --version | awk '{print $2; exit}')
if [ -n "$make_version" ] && [ "$app_version" = "$make_version" ] && [ "$bin_version" = "$make_version" ]; then
	ok "versions: Chart appVersion = Makefile VERSION = nettrail --version = $make_version"
else
	no versions "appVersion '$app_version', Makefile '$make_version', binary '$bin_version'"
fi
"$VALIDATE" -yaml2json $CHART/values.yaml >"$OUT/chart-values.json" 2>"$OUT/err" ||
	no values.yaml "not strict YAML: $(cat "$OUT/err")"
if python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))["image"]
sys.exit(0 if v["repository"] == "ghcr.io/nettrail/nettrail" and v["tag"] in ("", sys.argv[2]) else 1)' \
	"$OUT/chart-values.json" "$make_version"; then
	ok "default image ghcr.io/nettrail/nettrail:$make_version (tools/make_image.sh builds that tag)"
else
	no image "values.yaml image is not ghcr.io/nettrail/nettrail with tag $make_version or empty"
fi
# shellcheck disable=SC2016
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' $CHART/values.schema.json 2>"$OUT/err" &&
	grep -q '"$schema": "http://json-schema.org/draft-07/schema#"' $CHART/values.schema.json; then
	ok "values.schema.json is JSON, draft-07"
else
	no schema "values.schema.json: $(cat "$OUT/err")"
fi

# ---- the validator rejects what it must ----------------------------------
for bad in tests/helm/bad/*.yaml; do
	if out=$("$VALIDATE" "$bad" 2>&1 | tr '\n' ' '; exit "${PIPESTATUS[0]}"); then
		no "validator rejects $(basename "$bad")" "accepted: $out"
	else
		ok "validator rejects $(basename "$bad" .yaml): ${out#FAIL }"
	fi
done

# ---- renderings ------------------------------------------------------------
# A pcap for the stdout replays (check_rendered.py): the DNS and TLS seed
# corpora as traffic, no mutations.
PCAP=$OUT/replay.pcap
python3 tests/lib/corpus_to_pcap.py "$PCAP" --mutations 0 >"$OUT/pcap.log" 2>&1 ||
	{ no pcap "corpus_to_pcap.py failed: $(tail -3 "$OUT/pcap.log")"; PCAP=; }

# name | values as JSON (what check_rendered.py merges over values.yaml) |
# helm's values arguments (-f FILE, --set ..., or none at all)
render_check() {
	local n=$1 vjson=$2 rc
	shift 2
	if "$HELM" lint --strict "$CHART" "$@" >"$OUT/$n.lint" 2>&1; then
		ok "$n: helm lint --strict"
	else
		no "$n: helm lint --strict" "$(grep -E 'ERROR|WARNING|Error' "$OUT/$n.lint" | head -3)"
	fi
	if ! "$HELM" template nettrail "$CHART" -n monitoring "$@" >"$OUT/$n.yaml" 2>"$OUT/$n.err"; then
		no "$n: helm template" "$(head -5 "$OUT/$n.err")"
		return 1
	fi
	ok "$n: helm template ($(grep -c '^kind:' "$OUT/$n.yaml") objects)"
	if "$VALIDATE" -dump "$OUT/$n.json" "$OUT/$n.yaml" >"$OUT/$n.validate" 2>&1; then
		ok "$n: strict API types: $(sed -n 's/^ok \([A-Za-z]*\) .*/\1/p' "$OUT/$n.validate" | sort | tr '\n' ' ' | sed 's/ $//')"
	else
		no "$n: strict API types" "$(grep -v '^ok' "$OUT/$n.validate" | head -3)"
		return 1
	fi
	python3 tests/helm/check_rendered.py "$OUT/$n.json" "$OUT/chart-values.json" "$vjson" \
		"$NETTRAIL" "$make_version" $PCAP >"$OUT/$n.check" 2>&1
	rc=$?
	relay "$n" <"$OUT/$n.check"
	[ $rc -le 1 ] || no "$n: check_rendered.py" "exit $rc (crashed?)"
	[ $rc -eq 0 ] || grep -q '^FAIL' "$OUT/$n.check" || no "$n: check_rendered.py" "exit $rc without a FAIL line"
	[ $rc -eq 0 ]
}

# The chart as it is: no -f, no --set. Before 0.2.0 this refused to render
# (clusterName and kafka.brokers were required).
echo '{}' >"$OUT/no-values.values.json"
if render_check no-values "$OUT/no-values.values.json"; then
	# The headline, said once more on its own: stdout, no cluster name, no Kafka.
	if python3 - "$OUT/no-values.json" <<'PY'; then
import json, re, sys
objs = json.load(open(sys.argv[1]))
ds = [o for o in objs if o["kind"] == "DaemonSet"][0]
cm = [o for o in objs if o["kind"] == "ConfigMap"][0]
args = ds["spec"]["template"]["spec"]["containers"][0]["args"]
bad = [a for a in args if re.match(r"--(cluster-name|kafka|spool)", a)]
bad += [k for k in cm["data"] if re.match(r"NETTRAIL_(CLUSTER_NAME|OUTPUT|KAFKA_|SPOOL_)", k)]
sys.exit(0 if "--output=stdout" in args and not bad else 1)
PY
		ok "no-values: DaemonSet args --output=stdout, no --cluster-name, no Kafka or spool setting"
	else
		no "no-values" "args/ConfigMap are not stdout-only without a cluster name"
	fi
fi
# --set clusterName= (empty): the same as unset, not an error
if "$HELM" template nettrail "$CHART" --set clusterName= >"$OUT/cn-empty.yaml" 2>"$OUT/err" &&
	! grep -q 'NETTRAIL_CLUSTER_NAME\|--cluster-name' "$OUT/cn-empty.yaml"; then
	ok "--set clusterName= (empty) is unset: no NETTRAIL_CLUSTER_NAME, no --cluster-name"
else
	no "--set clusterName= (empty)" "$(head -3 "$OUT/err") $(grep -m1 'NETTRAIL_CLUSTER_NAME\|--cluster-name' "$OUT/cn-empty.yaml")"
fi

for vf in tests/helm/values/*.yaml; do
	n=$(basename "$vf" .yaml)
	if ! "$VALIDATE" -yaml2json "$vf" >"$OUT/$n.values.json" 2>"$OUT/err"; then
		no "$n: values" "$(cat "$OUT/err")"; continue
	fi
	render_check "$n" "$OUT/$n.values.json" -f "$vf"
done

# NOTES.txt: helm renders it only at install, which needs a cluster; a copy
# of the chart renders it (tpl, same values) into a ConfigMap instead.
rm -rf "$OUT/notes-chart" && mkdir -p "$OUT/notes-chart" && cp -r "$CHART" "$OUT/notes-chart/" &&
	cp "$CHART/templates/NOTES.txt" "$OUT/notes-chart/nettrail/notes.txt" &&
	printf '%s\n' 'apiVersion: v1' 'kind: ConfigMap' 'metadata: {name: notes}' \
		'data: {notes: {{ tpl (.Files.Get "notes.txt") . | quote }}}' \
		>"$OUT/notes-chart/nettrail/templates/zz-notes.yaml"
notes() { # name helm-values-args... -> $OUT/NOTES-name.txt
	local n=$1
	shift
	# shellcheck disable=SC2016
	"$HELM" template nettrail "$OUT/notes-chart/nettrail" -n monitoring "$@" \
		--show-only templates/zz-notes.yaml >"$OUT/notes-$n.yaml" 2>"$OUT/notes-$n.err" &&
		"$VALIDATE" -dump "$OUT/notes-$n.json" "$OUT/notes-$n.yaml" >/dev/null &&
		python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["data"]["notes"])' \
			"$OUT/notes-$n.json" >"$OUT/NOTES-$n.txt"
}
# has FILE fixed-string...: every string is in FILE; the missing ones on stdout
has() {
	local f=$1 s miss=
	shift
	for s in "$@"; do grep -qF -- "$s" "$f" || miss="$miss [$s]"; done
	echo "$miss"
	[ -z "$miss" ]
}
# shellcheck disable=SC2016
common=('kubectl -n monitoring rollout status daemonset/nettrail' 'port-forward "$POD" 9464:9464'
	'curl -s http://127.0.0.1:9464/metrics')
if notes no-values; then
	if miss=$(has "$OUT/NOTES-no-values.txt" "${common[@]}" \
		'Records go to the container log (output: stdout, the default)' \
		'kubectl -n monitoring logs "$POD" --tail 5' \
		'No clusterName is set, so records carry no orchestrator.cluster.name' \
		'--set output=kafka --set '\''kafka.brokers={' \
		'     output: kafka' 'brokers: [kafka-0.kafka:9092'); then
		ok "NOTES.txt (no values): rollout, metrics, records in the container log, how to turn Kafka on (--set flags and values)"
	else
		no "NOTES.txt (no values)" "missing:$miss"
	fi
	! grep -q 'kcat\|^Spool' "$OUT/NOTES-no-values.txt" ||
		no "NOTES.txt (no values)" "talks about Kafka topics or the spool with output stdout"
	# The --set flags NOTES.txt gives must turn Kafka on, as they are.
	setline=$(grep -m1 -- '--set output=kafka' "$OUT/NOTES-no-values.txt")
	if mapfile -t setargs < <(python3 - "$setline" "$OUT/notes-flags.values.json" <<'PY'
import json, shlex, sys
words = shlex.split(sys.argv[1])
vals = {}
for i, w in enumerate(words):
    if w != "--set":
        continue
    key, _, v = words[i + 1].partition("=")
    d = vals
    *parents, last = key.split(".")
    for p in parents:
        d = d.setdefault(p, {})
    d[last] = v[1:-1].split(",") if v.startswith("{") and v.endswith("}") else v
    print("--set")
    print(words[i + 1])
json.dump(vals, open(sys.argv[2], "w"))
PY
	) && [ "${#setargs[@]}" -ge 4 ]; then
		echo "# NOTES.txt's flags: ${setargs[*]}"
		render_check notes-kafka-flags "$OUT/notes-flags.values.json" "${setargs[@]}"
		grep -q -- '--kafka-prop=compression.type=lz4' "$OUT/notes-kafka-flags.yaml" &&
			grep -q 'NETTRAIL_KAFKA_BROKERS: "kafka-0.kafka:9092,' "$OUT/notes-kafka-flags.yaml" &&
			grep -q -- '- --output=kafka' "$OUT/notes-kafka-flags.yaml" &&
			grep -q -- '--spool-dir=' "$OUT/notes-kafka-flags.yaml" &&
			ok "notes-kafka-flags: rendered --output=kafka, --spool-dir, --kafka-prop args and the brokers" ||
			no "notes-kafka-flags" "no Kafka args or brokers in the rendering"
	else
		no "NOTES.txt (no values)" "no '--set output=kafka --set kafka.brokers=...' line: '$setline'"
	fi
else
	no "NOTES.txt (no values)" "$(head -5 "$OUT/notes-no-values.err")"
fi
if notes kafka -f tests/helm/values/kafka.yaml; then
	if miss=$(has "$OUT/NOTES-kafka.txt" "${common[@]}" \
		'Every record carries orchestrator.cluster.name: prod-eu-1.' \
		'kcat -C -b kafka-0.kafka.svc.cluster.local:9092 -t nettrail.flow -c 5' \
		'Spool: hostPath /var/lib/nettrail/spool'); then
		ok "NOTES.txt (kafka): rollout status, port-forward + curl /metrics, kcat on the flow topic, the spool"
	else
		no "NOTES.txt (kafka)" "missing:$miss"
	fi
	! grep -q 'container log\|--set output=kafka\|()' "$OUT/NOTES-kafka.txt" ||
		no "NOTES.txt (kafka)" "still says how to turn Kafka on, or has empty brackets"
else
	no "NOTES.txt (kafka)" "$(head -5 "$OUT/notes-kafka.err")"
fi

# ---- negative: one per schema rule and template rule -----------------------
# name | expected message part | helm values args: lint --strict and template
# must both refuse, and say it. REFUSE_BY=template: a template rule (fail),
# which helm lint only logs, so only helm template is asked.
refuse() {
	local name=$1 want=$2 what
	shift 2
	for what in ${REFUSE_BY:-lint template}; do
		if [ $what = lint ]; then
			"$HELM" lint --strict "$CHART" "$@" >"$OUT/neg.out" 2>&1
		else
			"$HELM" template nettrail "$CHART" "$@" >"$OUT/neg.out" 2>&1
		fi && { no "refuses $name" "helm $what accepted it"; return; }
		grep -qF -- "$want" "$OUT/neg.out" ||
			{ no "refuses $name" "helm $what: no '$want' in: $(grep -v '^$' "$OUT/neg.out" | tail -3 | tr '\n' ' ')"; return; }
	done
	if [ -n "${REFUSE_BY:-}" ]; then ok "helm $REFUSE_BY refuses $name ($want)"; else ok "lint and template refuse $name ($want)"; fi
}
# name | YAML layered over tests/helm/values/kafka.yaml | expected message part
neg() {
	local f="$OUT/neg-$1.yaml"
	printf '%s\n' "$2" >"$f"
	refuse "$1" "$3" -f tests/helm/values/kafka.yaml -f "$f"
}
# Kafka turned on with no broker: the if/then of the schema
refuse "output=kafka without brokers (chart defaults)" \
	"at '/kafka/brokers': minItems: got 0, want 1" --set output=kafka
# Brokers but output stdout (the default): a Kafka values file of chart 0.1.0,
# when output kafka was the default, must not quietly go to the log. The
# schema says so; the template says it in words when the schema is skipped.
refuse "kafka.brokers with output stdout" "at '/output': value must be 'kafka'" --set 'kafka.brokers={kafka:9092}'
printf '%s\n' 'clusterName: prod' 'kafka: {brokers: [kafka:9092]}' >"$OUT/neg-old-kafka-values.yaml"
refuse "a 0.1.0 Kafka values file (brokers, no output)" "at '/output': value must be 'kafka'" \
	-f "$OUT/neg-old-kafka-values.yaml"
REFUSE_BY=template refuse "kafka.brokers with output stdout, schema skipped" \
	'kafka.brokers is set but output is "stdout", so the records would go to the container log, not to Kafka. For Kafka set output=kafka' \
	--skip-schema-validation --set 'kafka.brokers={kafka:9092}'
# ... and the way out that message gives, for the log, renders
if "$HELM" template nettrail "$CHART" -f "$OUT/neg-old-kafka-values.yaml" --set kafka.brokers=null \
	>"$OUT/brokers-null.yaml" 2>"$OUT/err" && grep -q -- '- --output=stdout' "$OUT/brokers-null.yaml" &&
	! grep -q 'NETTRAIL_KAFKA' "$OUT/brokers-null.yaml"; then
	ok "--set kafka.brokers=null over a Kafka values file: output stdout renders"
else
	no "--set kafka.brokers=null" "$(head -3 "$OUT/err")"
fi
refuse "clusterName with a control character (no other values)" "at '/clusterName'" --set-string "clusterName=$(printf 'a\tb')"
neg clusterName-type 'clusterName: 42' "at '/clusterName': got number, want string"
neg capture-type 'capture: {enabled: "yes"}' "at '/capture/enabled': got string, want boolean"
neg capture-unknown 'capture: {socket: /x}' "at '/capture'"
neg clusterName-control-char 'clusterName: "a\tb"' "at '/clusterName'"
neg clusterName-blank 'clusterName: " "' "at '/clusterName': ' ' does not match pattern"
neg clusterName-leading-space 'clusterName: " prod"' "at '/clusterName': ' prod' does not match pattern"
neg clusterName-trailing-space 'clusterName: "prod "' "at '/clusterName': 'prod ' does not match pattern"
neg clusterName-too-long "clusterName: $(printf 'x%.0s' {1..254})" "at '/clusterName': maxLength: got 254, want 253"
neg unknown-top-level-key 'clustername: prod' "additional properties 'clustername' not allowed"
neg unknown-kafka-key 'kafka: {broker: [a:1]}' "at '/kafka': additional properties 'broker' not allowed"
neg unknown-spool-key 'spool: {path: /x}' "at '/spool': additional properties 'path' not allowed"
neg unknown-cloud-key 'cloud: {zone: a}' "at '/cloud': additional properties 'zone' not allowed"
neg unknown-kubernetes-key 'kubernetes: {podCIDRs: []}' "at '/kubernetes': additional properties 'podCIDRs' not allowed"
neg unknown-metrics-key 'metrics: {enabled: true}' "at '/metrics': additional properties 'enabled' not allowed"
neg unknown-timeouts-key 'timeouts: {idel: 5}' "at '/timeouts': additional properties 'idel' not allowed"
neg kafka-without-brokers 'kafka: {brokers: []}' "at '/kafka/brokers': minItems: got 0, want 1"
neg kafka-brokers-null 'kafka: {brokers: null}' "at '/kafka': missing property 'brokers'"
neg brokers-type 'kafka: {brokers: "a:9092,b:9092"}' "at '/kafka/brokers': got string, want array"
neg broker-no-port 'kafka: {brokers: [kafka.example.com]}' "at '/kafka/brokers/0': 'kafka.example.com' does not match pattern"
neg broker-url 'kafka: {brokers: ["PLAINTEXT://k:9092"]}' "at '/kafka/brokers/0'"
neg output-enum 'output: file' "at '/output': value must be one of 'kafka', 'stdout'"
neg outputFormat-enum 'outputFormat: json' "at '/outputFormat': value must be one of 'ecs', 'ocsf', 'ecs,ocsf'"
neg ocsfVersion-enum 'ocsfVersion: "1.2.0"' "at '/ocsfVersion': value must be one of '1.1.0', '1.8.0'"
neg ocsf-topic-pattern 'kafka: {topics: {ocsfDns: "a b"}}' "at '/kafka/topics/ocsfDns': 'a b' does not match pattern"
neg compression-enum 'kafka: {compression: brotli}' "at '/kafka/compression': value must be one of 'none', 'gzip', 'snappy', 'lz4', 'zstd'"
neg fullPolicy-enum 'spool: {fullPolicy: block}' "at '/spool/fullPolicy': value must be one of 'drop-oldest', 'drop-newest'"
neg spool-type-enum 'spool: {type: pvc}' "at '/spool/type': value must be one of 'hostPath', 'emptyDir'"
neg spool-maxBytes-unit 'spool: {maxBytes: 1GB}' "at '/spool/maxBytes'"
neg idle-zero 'timeouts: {idle: 0}' "at '/timeouts/idle': minimum: got 0, want 1"
neg active-negative 'timeouts: {active: -5}' "at '/timeouts/active': minimum: got -5, want 1"
neg heartbeat-zero 'timeouts: {heartbeat: 0}' "at '/timeouts/heartbeat': minimum: got 0, want 1"
neg timeout-type 'timeouts: {idle: "15s"}' "at '/timeouts/idle': got string, want integer"
neg flush-timeout-zero 'kafka: {flushTimeoutSeconds: 0}' "at '/kafka/flushTimeoutSeconds': minimum: got 0, want 1"
neg maxFlows-type 'flowTable: {maxFlows: lots}' "at '/flowTable/maxFlows': got string, want integer"
neg k8s-enabled-type 'kubernetes: {enabled: "yes"}' "at '/kubernetes/enabled': got string, want boolean"
neg cidr-pattern 'kubernetes: {clusterCIDRs: [10.244.0.0]}' "at '/kubernetes/clusterCIDRs/0'"
neg metrics-port-range 'metrics: {port: 70000}' "at '/metrics/port': maximum: got 70,000, want 65,535"
neg sasl-mechanism-enum 'kafka: {sasl: {mechanism: GSSAPI, secretName: s}}' "at '/kafka/sasl/mechanism': value must be one of"
neg sasl-without-secret 'kafka: {sasl: {mechanism: SCRAM-SHA-256}}' "at '/kafka/sasl'"
# OAUTHBEARER: the image's librdkafka has no OIDC (the binary would refuse
# sasl.oauthbearer.method at start-up), so the schema refuses it up front.
neg sasl-oauthbearer 'kafka: {sasl: {mechanism: OAUTHBEARER, secretName: s}}' "at '/kafka/sasl/mechanism': value must be one of '', 'PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'"
neg inline-secret-property 'kafka: {extraProperties: {sasl.password: hunter2}}' "invalid propertyName 'sasl.password'"
neg chart-owned-property 'kafka: {extraProperties: {security.protocol: SSL}}' "invalid propertyName 'security.protocol'"
neg unknown-image-key 'image: {digest: sha256:0}' "at '/image': additional properties 'digest' not allowed"
neg maxUnavailable-zero 'updateStrategy: {maxUnavailable: 0}' "at '/updateStrategy/maxUnavailable'"

# serviceMonitor without the Service it scrapes: a template error
REFUSE_BY=template refuse "metrics.serviceMonitor without metrics.service" \
	'metrics.serviceMonitor.enabled needs metrics.service.enabled' --set metrics.serviceMonitor.enabled=true

# A CIDR with host bits set matches the schema's pattern; the binary refuses
# it, and --check-config says so (exit 2) before any pod would crash-loop.
# Over the chart's defaults alone, which are then exactly what
# check_rendered.py compares with.
f=$OUT/neg-cidr-host-bits.yaml
printf 'kubernetes: {clusterCIDRs: [10.244.0.1/16]}\n' >"$f"
if "$HELM" template nettrail "$CHART" -n monitoring -f "$f" \
	>"$OUT/cidr.yaml" 2>"$OUT/err" && "$VALIDATE" -dump "$OUT/cidr.json" "$OUT/cidr.yaml" >/dev/null &&
	"$VALIDATE" -yaml2json "$f" >"$OUT/cidr.values.json"; then
	python3 tests/helm/check_rendered.py "$OUT/cidr.json" "$OUT/chart-values.json" "$OUT/cidr.values.json" \
		"$NETTRAIL" "$make_version" >"$OUT/cidr.check" 2>&1
	line=$(grep -F 'check-config accepts' "$OUT/cidr.check")
	if [[ $line == FAIL*"exit 2"*"--cluster-cidr"*"10.244.0.1/16"* ]]; then
		ok "binary rejects clusterCIDRs 10.244.0.1/16 (host bits) with exit 2"
	else
		no "binary rejects a CIDR with host bits" "${line:-no check-config line}"
	fi
else
	no "CIDR with host bits" "the schema refused it or rendering failed: $(head -3 "$OUT/err")"
fi

finish
