{{- define "platform.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "platform.labels" -}}
app.kubernetes.io/name: platform
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: platform
{{- end -}}

{{- define "platform.selectorLabels" -}}
app.kubernetes.io/name: platform
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Secret with the database credentials: the existing one, else the chart's own. */}}
{{- define "platform.dbSecretName" -}}
{{- .Values.database.existingSecret | default (printf "%s-db" (include "platform.fullname" .)) -}}
{{- end -}}
