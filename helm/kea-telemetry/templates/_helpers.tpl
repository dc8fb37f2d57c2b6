{{- define "kea-telemetry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kea-telemetry.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kea-telemetry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kea-telemetry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kea-telemetry.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "kea-telemetry.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "kea-telemetry.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kea-telemetry.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* registry/repository:tag or @digest; global.imageRegistry (set by a parent chart) wins over image.registry. */}}
{{- define "kea-telemetry.image" -}}
{{- $registry := (.Values.global | default dict).imageRegistry | default .Values.image.registry -}}
{{- $repository := .Values.image.repository -}}
{{- if $registry -}}
{{- $repository = printf "%s/%s" (trimSuffix "/" $registry) $repository -}}
{{- end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "kea-telemetry.secretName" -}}
{{- printf "%s-env" (include "kea-telemetry.fullname" .) -}}
{{- end -}}

{{- define "kea-telemetry.hashKeySecretName" -}}
{{- .Values.hashKey.existingSecret | default (printf "%s-hash-key" (include "kea-telemetry.fullname" .)) -}}
{{- end -}}

{{- define "kea-telemetry.headlessName" -}}
{{- printf "%s-headless" (include "kea-telemetry.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The exporter's config.yaml: values.config with listen defaulted to the chart's port, in probe
mode poll.background = false, and in statefulset mode shard.count = replicas (each pod's index
comes from SHARD_INDEX).
*/}}
{{- define "kea-telemetry.config" -}}
{{- $config := deepCopy (.Values.config | default dict) -}}
{{- $port := int .Values.port -}}
{{- if hasKey $config "listen" -}}
{{- if not (hasSuffix (printf ":%d" $port) (toString $config.listen)) -}}
{{- fail (printf "config.listen %q must use port %d (values.port), which the Service and probes use" (toString $config.listen) $port) -}}
{{- end -}}
{{- else -}}
{{- $_ := set $config "listen" (printf "0.0.0.0:%d" $port) -}}
{{- end -}}
{{- if .Values.probe.enabled -}}
{{- $poll := deepCopy ($config.poll | default dict) -}}
{{- if and (hasKey $poll "background") (ne (toString $poll.background) "false") -}}
{{- fail "probe.enabled: Prometheus drives the polling through /probe, so config.poll.background must be false (or left out: the chart sets it)" -}}
{{- end -}}
{{- $_ := set $poll "background" false -}}
{{- $_ := set $config "poll" $poll -}}
{{- end -}}
{{- if eq .Values.mode "statefulset" -}}
{{- $shard := deepCopy ($config.shard | default dict) -}}
{{- if hasKey $shard "index" -}}
{{- fail "config.shard.index must not be set in statefulset mode: each pod takes its index from SHARD_INDEX" -}}
{{- end -}}
{{- if and (hasKey $shard "count") (ne (int $shard.count) (int .Values.replicas)) -}}
{{- fail (printf "config.shard.count (%v) differs from replicas (%v); leave it out in statefulset mode" $shard.count .Values.replicas) -}}
{{- end -}}
{{- $_ := set $shard "count" (int .Values.replicas) -}}
{{- $_ := set $config "shard" $shard -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}

{{/* The proxy's own port when config.proxy.listen gives it one, else nothing. */}}
{{- define "kea-telemetry.proxyPort" -}}
{{- $proxy := (.Values.config | default dict).proxy | default dict -}}
{{- if and $proxy.enabled $proxy.listen -}}
{{- $m := regexFind ":[0-9]+$" (toString $proxy.listen) -}}
{{- if not $m -}}
{{- fail (printf "config.proxy.listen %q must end in :PORT" (toString $proxy.listen)) -}}
{{- end -}}
{{- trimPrefix ":" $m -}}
{{- end -}}
{{- end -}}

{{/*
The shard (0 .. count-1) that watches target name $name: the exporter's rule (src/targets/shard.ts),
the first 32 bits of SHA-256(name), big-endian, modulo count. Called with (list $name $count).
*/}}
{{- define "kea-telemetry.shardOf" -}}
{{- $name := index . 0 -}}
{{- $count := int (index . 1) -}}
{{- $digits := dict "0" 0 "1" 1 "2" 2 "3" 3 "4" 4 "5" 5 "6" 6 "7" 7 "8" 8 "9" 9 "a" 10 "b" 11 "c" 12 "d" 13 "e" 14 "f" 15 -}}
{{- $n := 0 -}}
{{- range $c := splitList "" (sha256sum $name | substr 0 8) -}}
{{- $n = add (mul $n 16) (get $digits $c) -}}
{{- end -}}
{{- mod $n $count -}}
{{- end -}}
