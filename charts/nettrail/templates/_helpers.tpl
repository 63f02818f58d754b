{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "nettrail.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified name: the release name, plus the chart name unless it is already in it. */}}
{{- define "nettrail.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "nettrail.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nettrail.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nettrail.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "nettrail.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: sensor
{{- end }}

{{- define "nettrail.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "nettrail.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "nettrail.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* A whole number from values (YAML numbers arrive as float64: 1e+06 otherwise), or a string as is. */}}
{{- define "nettrail.num" -}}
{{- if or (kindIs "float64" .) (kindIs "int" .) (kindIs "int64" .) }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- end }}

{{/* Paths inside the container; tied to the volume mounts below. */}}
{{- define "nettrail.spoolDir" -}}/var/lib/nettrail/spool{{- end }}
{{- define "nettrail.cgroupRoot" -}}/host/sys/fs/cgroup{{- end }}
{{- define "nettrail.kafkaTLSDir" -}}/etc/nettrail/kafka-tls{{- end }}

{{/* security.protocol from tls.enabled and sasl.mechanism. */}}
{{- define "nettrail.kafkaSecurityProtocol" -}}
{{- $k := .Values.kafka }}
{{- if and $k.tls.enabled $k.sasl.mechanism }}SASL_SSL
{{- else if $k.tls.enabled }}SSL
{{- else if $k.sasl.mechanism }}SASL_PLAINTEXT
{{- else }}PLAINTEXT
{{- end }}
{{- end }}

{{/*
Container args. Settings that follow from the pod spec (the sink, which
decides the spool and TLS mounts; mount paths; Secret references) and the
repeatable flags (--kafka-prop, --cluster-cidr, --service-cidr) are here;
every scalar setting is in the ConfigMap as a NETTRAIL_* variable. One list
element per line, "--flag=value" form.
*/}}
{{- define "nettrail.args" -}}
- --output={{ .Values.output }}
{{- if eq .Values.output "kafka" }}
- --spool-dir={{ include "nettrail.spoolDir" . }}
{{- end }}
- --cgroup-root={{ include "nettrail.cgroupRoot" . }}
{{- range .Values.kubernetes.clusterCIDRs }}
- {{ printf "--cluster-cidr=%s" . | quote }}
{{- end }}
{{- range .Values.kubernetes.serviceCIDRs }}
- {{ printf "--service-cidr=%s" . | quote }}
{{- end }}
{{- if eq .Values.output "kafka" }}
{{- $k := .Values.kafka }}
- --kafka-prop=compression.type={{ $k.compression }}
{{- $proto := include "nettrail.kafkaSecurityProtocol" . }}
{{- if ne $proto "PLAINTEXT" }}
- --kafka-prop=security.protocol={{ $proto }}
{{- end }}
{{- if and $k.tls.enabled $k.tls.secretName }}
{{- $dir := include "nettrail.kafkaTLSDir" . }}
- --kafka-prop=ssl.ca.location={{ $dir }}/ca.crt
{{- if $k.tls.clientCert }}
- --kafka-prop=ssl.certificate.location={{ $dir }}/tls.crt
- --kafka-prop=ssl.key.location={{ $dir }}/tls.key
{{- end }}
{{- end }}
{{- with $k.sasl.mechanism }}
- --kafka-prop=sasl.mechanism={{ . }}
- --kafka-prop=sasl.username=${KAFKA_SASL_USERNAME}
- --kafka-prop=sasl.password=${KAFKA_SASL_PASSWORD}
{{- end }}
{{- range $key, $val := $k.extraProperties }}
- {{ printf "--kafka-prop=%s=%s" $key (include "nettrail.num" $val) | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
kafka.brokers with output stdout: a values file written for Kafka (before
0.2.0 the default output was kafka) would otherwise send its records to the
log without a word. values.schema.json refuses it too (at '/output': value
must be 'kafka'); this says it in words when the schema is skipped
(--skip-schema-validation). helm lint ignores fail, not the schema.
*/}}
{{- define "nettrail.validate" -}}
{{- if and (ne .Values.output "kafka") .Values.kafka.brokers }}
{{- fail (printf "kafka.brokers is set but output is %q, so the records would go to the container log, not to Kafka. For Kafka set output=kafka (--set output=kafka); for the log, leave kafka.brokers empty (--set kafka.brokers=null)" .Values.output) }}
{{- end }}
{{- end }}
