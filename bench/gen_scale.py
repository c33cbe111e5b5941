#!/usr/bin/env python3
"""Generates a large GitOps-shaped tree for the scale benchmark (issue 10, "Scale").

    python3 bench/gen_scale.py N OUT_DIR

N files in all, deterministic (fixed seed), stdlib only: N/40 Helm charts under charts/<k>/
(Chart.yaml, values.yaml with an `existingSecret` slot, a Deployment, a Secret and an
ExternalSecret template, a helper), and the rest as manifests in folders of 50 under
manifests/<env>/<team>/: Deployments consuming Secrets, ExternalSecrets, ConfigMaps. About one
object in 200 carries a problem so that findings exist. Nothing in the output is a credential.
"""
import os
import random
import sys

n, root = int(sys.argv[1]), sys.argv[2]
rng = random.Random(20261206)
ENVS = ["dev", "staging", "production"]


def word(k=10):
    return "".join(rng.choice("abcdefghijkmnopqrstuvwxyz") for _ in range(k))


def put(rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


charts = max(1, n // 40)
written = 0
for c in range(charts):
    d = f"charts/svc-{c:05d}"
    put(f"{d}/Chart.yaml", f"apiVersion: v2\nname: svc-{c:05d}\nversion: 1.{c % 10}.0\nappVersion: \"1.0\"\n")
    put(f"{d}/values.yaml",
        f"image: ghcr.io/example/svc-{c}:1.0\nreplicas: 2\nexistingSecret: svc-{c}-db\n"
        f"externalSecret:\n  enabled: true\n  key: team-{c % 50}/svc-{c}/db\n")
    put(f"{d}/templates/_helpers.tpl",
        '{{- define "svc.name" -}}{{ .Chart.Name }}-{{ .Release.Name }}{{- end -}}\n')
    put(f"{d}/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"svc.name\" . }}\nspec:\n"
        "  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n        - name: app\n"
        "          image: {{ .Values.image }}\n          env:\n            - name: DB_PASSWORD\n"
        "              valueFrom:\n                secretKeyRef: {name: {{ .Values.existingSecret }}, key: password}\n")
    put(f"{d}/templates/externalsecret.yaml",
        "{{- if .Values.externalSecret.enabled }}\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
        "metadata:\n  name: {{ .Values.existingSecret }}\nspec:\n  secretStoreRef: {kind: ClusterSecretStore, name: vault}\n"
        "  target: {name: {{ .Values.existingSecret }}}\n  data:\n    - secretKey: password\n"
        "      remoteRef: {key: {{ .Values.externalSecret.key }}, property: password}\n{{- end }}\n")
    written += 5

i = 0
while written < n:
    env = ENVS[i % 3]
    folder = f"manifests/{env}/team-{(i // 50) % 200:03d}/batch-{i // 50:05d}"
    kind = i % 4
    bad = rng.random() < 0.005
    if kind == 0:
        text = (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  namespace: team-{i % 200}\n"
                f"spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: app:{i % 7}\n"
                f"          env:\n            - name: TOKEN\n              valueFrom:\n"
                f"                secretKeyRef: {{name: es-{i + 1}, key: token}}\n")
    elif kind == 1:
        text = (f"apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: es-{i}\n"
                f"  namespace: team-{(i - 1) % 200}\nspec:\n  secretStoreRef: {{kind: ClusterSecretStore, name: vault}}\n"
                f"  target: {{name: es-{i}}}\n  data:\n    - secretKey: token\n"
                f"      remoteRef: {{key: team/{i}, property: token}}\n")
    elif kind == 2:
        value = word(16) if bad else "${TOKEN}"
        text = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s-{i}\n  namespace: team-{i % 200}\n"
                f"stringData:\n  password: {value}\n")
    else:
        text = (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: team-{i % 200}\n"
                f"data:\n  LOG_LEVEL: info\n  FEATURE: \"{word(6)}\"\n")
    put(f"{folder}/obj-{i:06d}.yaml", text)
    written += 1
    i += 1
