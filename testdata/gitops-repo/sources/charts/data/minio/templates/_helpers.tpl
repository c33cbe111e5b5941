{{- define "minio.labels" -}}
app.kubernetes.io/name: minio
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: data
{{- end -}}

{{- define "minio.secretName" -}}
{{- .Values.auth.existingSecret | default "minio-root-credentials" -}}
{{- end -}}
