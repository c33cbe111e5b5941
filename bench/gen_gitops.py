#!/usr/bin/env python3
"""Generates a synthetic Argo CD / Helm / External Secrets GitOps repository for the model benchmark.

    python3 bench/gen_gitops.py N OUT_DIR

N is the number of ExternalSecrets. Deterministic (fixed seed, sorted output), stdlib only. Layout:

    environments/<env>/applications/app-XXX.yaml   200 multi-source Argo CD Applications over dev/staging/production:
                                                   chart sources/charts/svc + `$values` ref to the same repo, two
                                                   value files (_shared/apps + env/<env>/apps), ns-<env>-<k> (k < 20)
    environments/<env>/manifests/stores.yaml       one SecretStore `vault` per namespace of the environment
    environments/<env>/manifests/es-XXXXX.yaml     about half of the ExternalSecrets, raw, each followed (`---`) by a
                                                   Deployment consuming its target Secret (secretKeyRef, key password)
    sources/charts/svc/                            one shared chart: a Deployment consuming `.Values.existingSecret`
                                                   and one ExternalSecret per `.Values.externalSecrets` entry
    sources/values/_shared/apps/app-XXX.yaml       the other half of the ExternalSecrets, as `externalSecrets` lists
    sources/values/env/<env>/apps/app-XXX.yaml     per-environment overlay of each application
    sources/values/_shared/foundation/foundation-vault-bootstrap.yaml      `fixtures:` of every Vault key read
    sources/values/env/<env>/foundation/foundation-vault-bootstrap.yaml   per-env overrides, a few `""` (required)

About 2% of the ExternalSecrets carry a deliberate problem so that findings exist: half read a Vault key that
the fixture map lacks, half have a consumer naming a Secret nobody produces (a raw Deployment, or an application
overlay's `existingSecret`). Nothing in the output is a credential: every Vault value is `__generate__` or `""`.
"""
import os
import random
import sys

SEED = 20240611
ENVS = ["dev", "staging", "production"]
APPS = 200
NAMESPACES = 20
REPO = "https://git.example.com/platform/gitops.git"
PROBLEM_RATE = 0.02

if len(sys.argv) != 3 or not sys.argv[1].isdigit():
    sys.exit("usage: gen_gitops.py N OUT_DIR")
count, root = int(sys.argv[1]), sys.argv[2]
if os.path.isdir(root) and os.listdir(root):
    sys.exit(f"gen_gitops: {root} exists and is not empty; remove it first")
rng = random.Random(SEED)

files = 0
total_bytes = 0


def write(rel, text):
    global files, total_bytes
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text.encode()
    with open(path, "wb") as f:
        f.write(data)
    files += 1
    total_bytes += len(data)


# ---------------------------------------------------------------------------------------------- chart

write("sources/charts/svc/Chart.yaml", """\
apiVersion: v2
name: svc
description: Generic service consuming Vault secrets through External Secrets
type: application
version: 0.1.0
appVersion: "1.0.0"
""")

write("sources/charts/svc/values.yaml", """\
replicaCount: 1
image:
  repository: ghcr.io/example/svc
  tag: "1.0.0"
# Name of the Secret the Deployment reads (`password` key and envFrom). Produced by an ExternalSecret.
existingSecret: ""
# One ExternalSecret per entry: {name: <target Secret>, key: <Vault key, property value>}.
externalSecrets: []
resources:
  limits: {cpu: 500m, memory: 256Mi}
  requests: {cpu: 50m, memory: 64Mi}
""")

write("sources/charts/svc/templates/_helpers.tpl", """\
{{- define "svc.labels" -}}
app.kubernetes.io/name: svc
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}
""")

write("sources/charts/svc/templates/deployment.yaml", """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "svc.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .Release.Name }}
  template:
    metadata:
      labels:
        {{- include "svc.labels" . | nindent 8 }}
    spec:
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports:
            - containerPort: 8080
          env:
            - name: LOG_LEVEL
              value: info
            {{- if .Values.existingSecret }}
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ .Values.existingSecret }}
                  key: password
          envFrom:
            - secretRef:
                name: {{ .Values.existingSecret }}
            {{- end }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
""")

# ESO's own template syntax is escaped so that Helm emits it verbatim.
write("sources/charts/svc/templates/externalsecrets.yaml", """\
{{- range .Values.externalSecrets }}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: {{ .name }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "svc.labels" $ | nindent 4 }}
spec:
  refreshInterval: 1h
  secretStoreRef:
    kind: SecretStore
    name: vault
  target:
    name: {{ .name }}
    creationPolicy: Owner
    template:
      engineVersion: v2
      data:
        password: "{{ `{{ .password }}` }}"
  data:
    - secretKey: password
      remoteRef:
        key: {{ .key }}
        property: value
{{- end }}
""")

# ----------------------------------------------------------------------------------------- topology

apps = []  # (index, env, namespace)
for a in range(APPS):
    env = ENVS[a % len(ENVS)]
    apps.append((a, env, f"ns-{env}-{(a // len(ENVS)) % NAMESPACES}"))

# Every ExternalSecret: even ids are rendered from an application's values, odd ids are raw manifests.
# Ids are spread round-robin over the applications, so every application gets one as soon as N >= 400.
rendered = {a: [] for a in range(APPS)}  # app -> [(name, key)]
raw = []  # (id, env, namespace, key, dangling consumer?)
fixture_keys = []
missing_fixture = 0
dangling_consumers = 0
env_keys = {env: [] for env in ENVS}
for i in range(count):
    name = f"es-{i:05d}"
    key = f"{name}-password"
    if rng.random() < PROBLEM_RATE / 2:
        missing_fixture += 1  # read by the ExternalSecret, absent from the fixture map
    else:
        fixture_keys.append(key)
    if i % 2 == 0:
        a = (i // 2) % APPS
        rendered[a].append((name, key))
        env = apps[a][1]
    else:
        env = ENVS[(i // 2) % len(ENVS)]
        ns = f"ns-{env}-{rng.randrange(NAMESPACES)}"
        dangling = rng.random() < PROBLEM_RATE / 2
        dangling_consumers += dangling
        raw.append((i, env, ns, key, dangling))
    env_keys[env].append(key)

# Applications whose environment overlay points `existingSecret` at a Secret nobody produces: about 1% of the
# rendered ExternalSecrets' worth, taken from the applications that have a producer at all.
with_es = [a for a in range(APPS) if rendered[a]]
n_bad_apps = min(len(with_es), round(count * PROBLEM_RATE / 4))
bad_apps = set(rng.sample(with_es, n_bad_apps)) if n_bad_apps else set()
dangling_consumers += len(bad_apps)

# ----------------------------------------------------------------------------------- applications

for a, env, ns in apps:
    app = f"app-{a:03d}"
    write(f"environments/{env}/applications/{app}.yaml", f"""\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {app}
  namespace: argocd
  labels:
    environment: {env}
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  project: {env}
  sources:
    - repoURL: {REPO}
      targetRevision: main
      path: sources/charts/svc
      helm:
        releaseName: {app}
        valueFiles:
          - $values/sources/values/_shared/apps/{app}.yaml
          - $values/sources/values/env/{env}/apps/{app}.yaml
    - repoURL: {REPO}
      targetRevision: main
      ref: values
  destination:
    server: https://kubernetes.default.svc
    namespace: {ns}
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
    syncOptions:
      - CreateNamespace=true
""")

    entries = rendered[a]
    shared = [f"# {app}: shared values (every environment)\n",
              "image:\n  repository: ghcr.io/example/" + app + "\n"]
    if entries:
        shared.append(f"existingSecret: {entries[0][0]}\n")
        shared.append("externalSecrets:\n")
        shared.extend(f"  - name: {n}\n    key: {k}\n" for n, k in entries)
    write(f"sources/values/_shared/apps/{app}.yaml", "".join(shared))

    overlay = [f"# {app}: {env} overlay\n",
               f"replicaCount: {3 if env == 'production' else 1}\n",
               f"image:\n  tag: \"1.{a % 10}.{rng.randrange(20)}\"\n"]
    if a in bad_apps:
        overlay.append(f"existingSecret: {app}-legacy-credentials\n")
    elif len(entries) > 1 and a % 7 == 0:
        overlay.append(f"existingSecret: {entries[-1][0]}\n")
    write(f"sources/values/env/{env}/apps/{app}.yaml", "".join(overlay))

# ------------------------------------------------------------------------------- raw manifests

for i, env, ns, key, dangling in raw:
    name = f"es-{i:05d}"
    target = f"{name}-creds"
    consumed = f"{name}-creds-v1" if dangling else target
    write(f"environments/{env}/manifests/{name}.yaml", f"""\
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: {name}
  namespace: {ns}
spec:
  refreshInterval: 1h
  secretStoreRef:
    kind: SecretStore
    name: vault
  target:
    name: {target}
    creationPolicy: Owner
  data:
    - secretKey: password
      remoteRef:
        key: {key}
        property: value
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}-worker
  namespace: {ns}
  labels:
    app: {name}-worker
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {name}-worker
  template:
    metadata:
      labels:
        app: {name}-worker
    spec:
      containers:
        - name: worker
          image: ghcr.io/example/worker:2.{i % 10}.0
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {consumed}
                  key: password
""")

stores = 0
for env in ENVS:
    docs = []
    for k in range(NAMESPACES):
        stores += 1
        docs.append(f"""\
apiVersion: external-secrets.io/v1
kind: SecretStore
metadata:
  name: vault
  namespace: ns-{env}-{k}
spec:
  provider:
    vault:
      server: https://vault.{env}.svc:8200
      path: secret
      version: v2
      auth:
        kubernetes:
          mountPath: kubernetes
          role: external-secrets
          serviceAccountRef:
            name: default
""")
    write(f"environments/{env}/manifests/stores.yaml", "---\n".join(docs))

# ---------------------------------------------------------------------------------- fixture map

write("sources/values/_shared/foundation/foundation-vault-bootstrap.yaml",
      "# Vault fixture map: every key an ExternalSecret reads, seeded by vault-bootstrap (property `value`).\n"
      "fixtures:\n" + "".join(f"  {k}: \"__generate__\"\n" for k in fixture_keys))

required_overrides = 0
fixture_set = set(fixture_keys)
for env in ENVS:
    present = [k for k in env_keys[env] if k in fixture_set]
    picked = sorted(rng.sample(present, min(len(present), 5)))
    required_overrides += len(picked)
    body = "".join(f"  {k}: \"\"  # REQUIRED: injected out of band in {env}\n" for k in picked)
    write(f"sources/values/env/{env}/foundation/foundation-vault-bootstrap.yaml",
          f"# {env} overrides of the Vault fixture map\nfixtures:\n" + (body or "  {}\n"))

n_rendered = sum(len(v) for v in rendered.values())
print(f"gen_gitops: {root}")
print(f"  files              {files}")
print(f"  ExternalSecrets    {count} ({n_rendered} rendered from values, {len(raw)} raw manifests)")
print(f"  Applications       {APPS} ({', '.join(f'{e} {sum(1 for x in apps if x[1] == e)}' for e in ENVS)})")
print(f"  SecretStores       {stores} ({NAMESPACES} namespaces x {len(ENVS)} environments)")
print(f"  fixture keys       {len(fixture_keys)} shared, {required_overrides} \"\" overrides")
print(f"  problems           {missing_fixture} keys missing from fixtures, {dangling_consumers} consumers of "
      f"unproduced Secrets ({len(bad_apps)} via application overlays)")
print(f"  bytes              {total_bytes} ({total_bytes / 1048576:.1f} MiB)")
