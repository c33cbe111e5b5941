{{- define "common.names.fullname" -}}old{{- end -}}
