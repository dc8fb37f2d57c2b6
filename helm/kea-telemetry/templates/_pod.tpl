{{/* The pod template shared by the Deployment and the StatefulSet. */}}
{{- define "kea-telemetry.podTemplate" -}}
metadata:
  labels:
    {{- include "kea-telemetry.selectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    {{- if eq .Values.configReload "restart" }}
    # A changed config rolls the pods (configReload: restart).
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- end }}
    {{- if .Values.secretEnv }}
    # Variables are read at start-up only.
    checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "kea-telemetry.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.automountServiceAccountToken }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.podSecurityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  {{- with .Values.initContainers }}
  initContainers:
    {{- tpl (toYaml .) $ | nindent 4 }}
  {{- end }}
  containers:
    - name: kea-telemetry
      image: {{ include "kea-telemetry.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - --config
        - /etc/kea-telemetry/config.yaml
        {{- if eq .Values.configReload "watch" }}
        - --watch-config
        {{- end }}
        {{- range .Values.extraArgs }}
        - {{ . | quote }}
        {{- end }}
      ports:
        - name: metrics
          containerPort: {{ .Values.port }}
          protocol: TCP
        {{- with include "kea-telemetry.proxyPort" . }}
        - name: proxy
          containerPort: {{ . }}
          protocol: TCP
        {{- end }}
      {{- /* Older clusters lack the label: the exporter then takes the ordinal ending HOSTNAME. */}}
      {{- $shardEnv := and (eq .Values.mode "statefulset") (semverCompare ">=1.28.0-0" .Capabilities.KubeVersion.Version) }}
      env:
        # Keys the published config hashes (see docs/metrics.md, "Config hashes and secrets").
        - name: KEA_TELEMETRY_HASH_KEY
          valueFrom:
            secretKeyRef:
              name: {{ include "kea-telemetry.hashKeySecretName" . }}
              key: {{ .Values.hashKey.secretKey }}
        {{- if $shardEnv }}
        # This pod's shard: the StatefulSet's pod-index label (Kubernetes >= 1.28).
        - name: SHARD_INDEX
          valueFrom:
            fieldRef:
              fieldPath: metadata.labels['apps.kubernetes.io/pod-index']
        {{- end }}
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- if or .Values.secretEnv .Values.existingSecret }}
      envFrom:
        {{- if .Values.secretEnv }}
        - secretRef:
            name: {{ include "kea-telemetry.secretName" . }}
        {{- end }}
        {{- with .Values.existingSecret }}
        - secretRef:
            name: {{ . }}
        {{- end }}
      {{- end }}
      {{- with .Values.securityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.livenessProbe }}
      livenessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.readinessProbe }}
      readinessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumeMounts:
        - name: config
          mountPath: /etc/kea-telemetry
          readOnly: true
        # readOnlyRootFilesystem: Node's and libraries' temp files go here.
        - name: tmp
          mountPath: /tmp
        {{- if .Values.keaSockets.enabled }}
        - name: kea-sockets
          mountPath: {{ .Values.keaSockets.mountPath }}
        {{- end }}
        {{- with .Values.extraVolumeMounts }}
        {{- tpl (toYaml .) $ | nindent 8 }}
        {{- end }}
    {{- with .Values.extraContainers }}
    {{- tpl (toYaml .) $ | nindent 4 }}
    {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "kea-telemetry.fullname" . }}
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
    {{- if .Values.keaSockets.enabled }}
    - name: kea-sockets
      {{- if eq .Values.keaSockets.type "hostPath" }}
      hostPath:
        {{- toYaml .Values.keaSockets.hostPath | nindent 8 }}
      {{- else }}
      emptyDir: {{ toJson (.Values.keaSockets.emptyDir | default dict) }}
      {{- end }}
    {{- end }}
    {{- with .Values.extraVolumes }}
    {{- tpl (toYaml .) $ | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
