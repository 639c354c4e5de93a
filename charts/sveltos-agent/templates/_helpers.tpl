{{- define "sveltos-agent.name" -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if .Values.shardKey }}{{ $name = printf "%s-%s" $name .Values.shardKey }}{{ end -}}
{{- $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sveltos-agent.labels" -}}
app.kubernetes.io/name: {{ include "sveltos-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "sveltos-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sveltos-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The kubeconfig Secret of the cluster the agent runs in: its own value, else the parent chart's global. */}}
{{- define "sveltos-agent.kubeconfig" -}}
{{- $global := (.Values.global | default dict).kubeconfig | default dict -}}
{{- if .Values.kubeconfig.secretName -}}
{{- toJson .Values.kubeconfig -}}
{{- else if $global.secretName -}}
{{- toJson (dict "secretName" $global.secretName "key" ($global.key | default "kubeconfig")) -}}
{{- else -}}
{{- toJson dict -}}
{{- end -}}
{{- end -}}
