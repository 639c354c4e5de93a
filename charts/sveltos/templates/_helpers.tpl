{{/* Labels of every object of the chart; `component` names the controller when there is one. */}}
{{- define "sveltos.labels" -}}
app.kubernetes.io/part-of: sveltos
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- with .component }}
app.kubernetes.io/name: {{ . }}
app.kubernetes.io/component: controller
{{- end }}
{{- end -}}

{{- define "sveltos.selectorLabels" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Name of a cluster-scoped object of a component: unique per installation namespace. */}}
{{- define "sveltos.clusterName" -}}
{{- printf "%s-%s" .component .root.Release.Namespace | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The image of a component: its own repository/tag, else <image.registry>/<component>:<image.tag or appVersion>. */}}
{{- define "sveltos.image" -}}
{{- $repository := .values.image.repository | default (printf "%s/%s" .root.Values.image.registry .component) -}}
{{- $tag := .values.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
