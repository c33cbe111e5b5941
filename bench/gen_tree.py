#!/usr/bin/env python3
"""Generates a synthetic GitOps tree of N manifests for benchmarks.

Deterministic (seeded): a mix of Deployments, Secrets, ConfigMaps, ExternalSecrets and values
files, spread over env/<name>/ folders, a few per file as multi-document streams. About 1 in 50
objects carries a finding so that the report path is exercised too. Secret-looking values are
random letters generated here; nothing in the output is a real credential.
"""
import os
import random
import sys

root, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
envs = ["dev", "staging", "production", "local"]


def word(n=12):
    return "".join(rng.choice("abcdefghijkmnopqrstuvwxyz0123456789") for _ in range(n))


def deployment(i, bad):
    env = ["            - name: LOG_LEVEL\n              value: info\n"]
    for j in range(6):
        env.append(f"            - name: SETTING_{j}\n              value: \"{word(8)}\"\n")
    if bad:
        env.append(f"            - name: DB_PASSWORD\n              value: {word()}\n")
    else:
        env.append("            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef: {name: db, key: password}\n")
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  namespace: team-{i % 40}\n"
            f"  labels: {{app: app-{i}, tier: backend}}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: app-{i}}}\n"
            f"  template:\n    metadata:\n      labels: {{app: app-{i}}}\n    spec:\n      containers:\n"
            f"        - name: app\n          image: ghcr.io/example/app-{i}:1.{i % 10}.0\n"
            f"          ports: [{{containerPort: 8080}}]\n          resources:\n            limits: {{cpu: 500m, memory: 256Mi}}\n"
            f"          env:\n" + "".join(env))


def secret(i, bad):
    val = word(16) if bad else "${DB_PASSWORD}"
    return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-{i}\n  namespace: team-{i % 40}\ntype: Opaque\n"
            f"stringData:\n  username: app\n  password: \"{val}\"\n")


def configmap(i, bad):
    url = f"postgres://app:{word()}@db:5432/app" if bad else "postgres://db:5432/app"
    lines = "".join(f"  key_{j}: \"{word(20)}\"\n" for j in range(10))
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-{i}\ndata:\n  DATABASE_HOST: {url}\n{lines}"


def external_secret(i, bad):
    return (f"apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: es-{i}\nspec:\n"
            f"  refreshInterval: 1h\n  secretStoreRef: {{kind: SecretStore, name: vault}}\n  target: {{name: db-{i}}}\n"
            f"  data:\n    - secretKey: password\n      remoteRef: {{key: app/{i}/db, property: password}}\n")


kinds = [deployment, secret, configmap, external_secret]
for i in range(count):
    env = envs[i % len(envs)]
    d = os.path.join(root, "env", env, f"team-{i % 40}", f"app-{i // 4}")
    os.makedirs(d, exist_ok=True)
    docs = [kinds[(i + k) % len(kinds)](i * 3 + k, rng.random() < 0.02) for k in range(3)]
    with open(os.path.join(d, f"manifest-{i}.yaml"), "w") as f:
        f.write("---\n".join(docs))
