{{- define "sveltos-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
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
