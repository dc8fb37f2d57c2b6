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

{{- define "kea-telemetry.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
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
The exporter's config.yaml: values.config with listen defaulted to the chart's port and, in
statefulset mode, shard.count = replicas (each pod's index comes from SHARD_INDEX).
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
