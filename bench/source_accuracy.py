#!/usr/bin/env python3
"""Precision/recall of the declarative `source`/`vault` pattern rules (rules/*.yaml).

Labelled set = every finding of the pattern rules on the real corpus (verdicts in
bench/source-labels.tsv; an unlabelled finding fails the run) + synthetic positives (each rule's
true-positive examples expanded with fresh random secrets, and re-embedded in .env/YAML/JSON/Python
assignments) + synthetic hard negatives (each rule's false-positive examples and the GitOps-flavoured
look-alikes below). Native rules are turned off so that every pattern hit is counted, including the
ones the engine would hand to a more specific native rule.

    cargo build --release && python3 bench/source_accuracy.py [--seeds 5] [--corpus ../shared/corpus]

Needs Python 3.9+ and PyYAML.
"""

import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = os.path.join(ROOT, "bench", "source-labels.tsv")

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = UPPER.lower()
DIGIT = "0123456789"
ALPHABETS = {
    "alnum": UPPER + LOWER + DIGIT,
    "upper": UPPER,
    "lower": LOWER,
    "alpha": UPPER + LOWER,
    "digit": DIGIT,
    "hex": "0123456789abcdef",
    "upper_hex": "0123456789ABCDEF",
    "upper_digit": UPPER + DIGIT,
    "lower_digit": LOWER + DIGIT,
    "b32": UPPER + "234567",
    "base64": UPPER + LOWER + DIGIT + "+/",
    "base64url": UPPER + LOWER + DIGIT + "-_",
    "word": UPPER + LOWER + DIGIT + "_",
    "bech32_upper": "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
    "password": UPPER + LOWER + DIGIT + "+-=^_",
}


def b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def generate(spec: str, rng: random.Random):
    if spec == "jwt":
        header = b64url(b'{"alg":"HS256","typ":"JWT"}')
        payload = b64url(('{"sub":"%s","iat":%d}' % ("".join(rng.choices(LOWER, k=12)), rng.randrange(2_000_000_000))).encode())
        return "%s.%s.%s" % (header, payload, "".join(rng.choices(ALPHABETS["base64url"], k=43)))
    if spec == "basic_auth":
        import base64

        user = "".join(rng.choices(LOWER, k=8))
        pw = "".join(rng.choices(ALPHABETS["alnum"], k=20))
        return base64.b64encode(f"{user}:{pw}".encode()).decode()
    if ":" not in spec:
        return None
    cls, n = spec.split(":", 1)
    if not n.isdigit():
        return None
    if cls == "pem_body":
        return "\n".join("".join(rng.choices(ALPHABETS["base64"], k=64)) for _ in range(int(n)))
    if cls not in ALPHABETS:
        return None
    return "".join(rng.choices(ALPHABETS[cls], k=int(n)))


def expand(example: str, rng: random.Random):
    """Mirror of src/rules/testgen.rs: generators expanded, «» stripped, secret range returned."""
    out, start, end, i = [], None, None, 0
    while i < len(example):
        c = example[i]
        if c == "«":
            start = len("".join(out))
            i += 1
            continue
        if c == "»":
            end = len("".join(out))
            i += 1
            continue
        if c == "{":
            close = example.find("}", i)
            if close > 0:
                value = generate(example[i + 1 : close], rng)
                if value is not None:
                    out.append(value)
                    i = close + 1
                    continue
        out.append(c)
        i += 1
    text = "".join(out)
    return text, (start, end) if start is not None and end is not None else None


# Look-alikes a GitOps repository is full of; none is a credential.
HARD_NEGATIVES = [
    'password: "{{ .Values.auth.password }}"',
    "password: {{ required \"auth.password is required\" .Values.auth.password | b64enc | quote }}",
    "token: ${GITHUB_TOKEN}",
    "apiKey: <your-api-key>",
    "existingSecret: grafana-admin-credentials",
    "existingSecretPasswordKey: admin-password",
    "secretName: wildcard-tls-2024",
    "passwordSecret:\n  name: app-db-credentials\n  key: password",
    "  - secretKey: DATABASE_PASSWORD\n    remoteRef:\n      key: secret/data/apps/db\n      property: password",
    "      secretKey: grafana-admin-password",
    "checksum/secret: 4e5f8d1a9b0c3e7f2a6d8b1c4e9f0a3d5b7c2e8f1a4d6b9c0e3f5a7d2b8c1e4f",
    "image: ghcr.io/org/app@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "revision: 3a1f9c2e7b4d8f0a6c5e2b9d1f7a3c8e4b6d0f2a",
    "uid: 3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "token_url: https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
    "tokenEndpoint: https://auth.example.org/realms/main/protocol/openid-connect/token",
    "automountServiceAccountToken: false",
    "serviceAccountToken:\n  expirationSeconds: 3600\n  path: token",
    "password: ENC[AES256_GCM,data:q2T5mB8v,iv:Zm9vYmFyYmF6,tag:cXV4cXV1eA==,type:str]",
    "encryptedData:\n  password: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq" + "A" * 8 + "x9Fq7PzK2mW4tN8vR1sY6uQ3jL5hG0dC" * 8,
    "sops:\n  age:\n    - recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host",
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----",
    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\nq9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n-----END PUBLIC KEY-----",
    "vault.hashicorp.com/agent-inject-secret-config: secret/data/app/config",
    "VAULT_ADDR=https://vault.internal:8200\nVAULT_TOKEN=$(cat /var/run/secrets/vault-token)",
    "api_key = os.environ['API_KEY']",
    "password = getpass.getpass()",
    "secret = settings.SECRET_KEY",
    "const token = process.env.GITHUB_TOKEN;",
    "export AWS_SECRET_ACCESS_KEY=$(aws configure get aws_secret_access_key)",
    "curl -H \"Authorization: Bearer $TOKEN\" https://api.github.com/user",
    "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app",
    "DATABASE_URL=postgres://app@db:5432/app?sslmode=require",
    "redis://redis-master.default.svc.cluster.local:6379/0",
    "url: https://user:password@example.com/path",
    "mongodb://localhost:27017/?replicaSet=rs0",
    "password_min_length: 12",
    "passwordPolicy: strong-passwords-required",
    "tokenTTL: 24h",
    "secret_id_ttl: 10m",
    "token_type: Bearer",
    "token: \"\"",
    "password: null",
    "password: ~",
    "adminPassword: prom-operator",
    "password: changeme",
    "rootPassword: <REQUIRED>",
    "apiKey: REPLACE_ME",
    "GRAFANA_ADMIN_PASSWORD=admin",
    "secret_key_base: <%= ENV['SECRET_KEY_BASE'] %>",
    "jwtSecret: {{ randAlphaNum 32 | b64enc }}",
    "privateKeySecretRef:\n  name: letsencrypt-prod-account-key",
    "caBundle: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRc0ZBREFWTVJNd0VRWURWUVFERXdwcmRXSmwKY201bGRHVnpNQjRYRFRJeU1EVXdNakl4TURFME4xb1hEVEk0",
    "grafana_dashboard_uid: aB3dE5fG7hJ9kL",
    "token: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "slack_api_url: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "secretKey: MINIO_SECRET_KEY",
    "accessKey: minio-access-key-ref",
    "password: \"{{ .Values.global.postgresql.auth.password | default (randAlphaNum 16) }}\"",
    "s.cluster.local:6379",
    "ingress.kubernetes.io/auth-secret: basic-auth-htpasswd-2",
    "token: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  62313365396662343061393464336163383764373764613633653634306231386433626436623361",
    "kind: ClusterSecretStore\nspec:\n  provider:\n    vault:\n      auth:\n        tokenSecretRef:\n          name: vault-token\n          key: token",
]


# Human-chosen passwords, which no token format describes: the catch-all rule's hard positives.
# Values are stored reversed so that this file does not itself hold literal credentials.
HARD_POSITIVES = [
    ('DB_PASSWORD="{}"', "!t3rc3S3rpuS"),
    ("password: {}", "x3&rod4buorT"),
    ("spring.datasource.password={}", "2retnuh2retnuh"),
    ("POSTGRES_PASSWORD={}", "!4202emocleW"),
    ("  adminPassword: '{}'", "Kz9Rv!2mL#7q"),
    ('"client_secret": "{}"', "f9d3c0a5e6b2-d1f9-e7c4-b4aa-e1c7f2d8"),
    ("api_key = '{}'", "2v_ecivres_gnillib_rof_y3k"),
    ("rootPassword: {}", "drowssaPesabataDyM"),
    ("REDIS_PASSWORD={}", "elpats-yrettab-esroh-tcerroc"),
    ("secret_key = '{}'", "p)o0i(u8y*t5r&e3w^q$m9!x@2k#h7-erucesni-ognajd"),
    ("MYSQL_ROOT_PASSWORD={}", "321niemtel"),
    ("token: {}", "a3f6d8b2e7c1a9f4"),
]


def family_of(rule_id: str, file_family: str) -> str:
    if file_family == "generic":
        return "generic assignment" if rule_id == "generic-credential-assignment" else "connection URLs"
    return file_family


def load_rules():
    rules = []
    for name in sorted(os.listdir(os.path.join(ROOT, "rules"))):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(ROOT, "rules", name)) as f:
            pack = yaml.safe_load(f)
        for r in pack["rules"]:
            r["family"] = family_of(r["id"], name[: -len(".yaml")])
            rules.append(r)
    return rules


def packs_only_config(binary: str, path: str):
    out = subprocess.run([binary, "rules"], capture_output=True, text=True, check=True).stdout
    pattern_ids = {r["id"] for r in load_rules()} | {"pattern-packs"}
    with open(path, "w") as f:
        f.write("rules:\n")
        for line in out.splitlines():
            rid = line.split()[0] if line.split() else ""
            if rid and rid not in pattern_ids and re.fullmatch(r"[a-z0-9-]+", rid):
                f.write(f"  {rid}: off\n")


def run(binary: str, target: str, config: str):
    res = subprocess.run(
        [binary, "check", target, "--config", config, "--format", "json", "--fail-on", "never"],
        capture_output=True,
        text=True,
    )
    if res.returncode not in (0, 1):
        sys.exit(f"secretgate failed: {res.stderr}")
    return json.loads(res.stdout)["findings"]


# Formats bound to one file syntax (`.npmrc`, Docker `config.json`, WireGuard, connection strings):
# re-embedding their value in another syntax would not be that credential any more.
SYNTAX_BOUND = {
    "docker-config-auth",
    "npmrc-auth-token",
    "wireguard-private-key",
    "azure-storage-account-key",
    "azure-sas-token",
    "gcp-service-account-key",
}

KEY_BEFORE = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)[\"']?\s*(?:=|:)\s*[\"']?$")


def variants(text: str, span):
    """The same secret assigned in other syntaxes, when the example names it with a key."""
    s, e = span
    secret = text[s:e]
    if "\n" in secret:
        return []
    line_start = text.rfind("\n", 0, s) + 1
    if "://" in text[line_start:s]:
        return []  # a secret inside a URL is only that credential inside the URL
    m = KEY_BEFORE.search(text[line_start:s])
    if not m:
        return []
    key = m.group(1)
    out = []
    for tmpl in ('export {k}={v}\n', '{k}: "{v}"\n', '{{"{k}": "{v}"}}\n', "{k} = '{v}'\n", "  {k}: {v}\n"):
        t = tmpl.format(k=key, v=secret)
        out.append((t, (t.index(secret), t.index(secret) + len(secret))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "secretgate"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()

    rules = load_rules()
    by_id = {r["id"]: r for r in rules}
    families = sorted({r["family"] for r in rules})
    stats = {f: collections.Counter() for f in families}

    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "packs-only.yaml")
        packs_only_config(args.binary, config)

        # Corpus: every pattern finding must carry a verdict.
        labels = {}
        with open(LABELS) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                path, lineno, rule, verdict, _why = line.rstrip("\n").split("\t")
                labels[(path, int(lineno), rule)] = verdict
        corpus = [x for x in run(args.binary, args.corpus, config) if x["rule"] in by_id]
        unlabelled = []
        for x in corpus:
            verdict = labels.get((x["path"], x["line"], x["rule"]))
            fam = by_id[x["rule"]]["family"]
            if verdict is None:
                unlabelled.append(f'{x["rule"]} {x["path"]}:{x["line"]}')
            elif verdict == "tp":
                stats[fam]["corpus_tp"] += 1
            else:
                stats[fam]["corpus_fp"] += 1

        # Synthetic positives and hard negatives, one file each.
        cases = []  # (relpath, expected rule or None)
        pos_dir, neg_dir = os.path.join(tmp, "set", "pos"), os.path.join(tmp, "set", "neg")
        os.makedirs(pos_dir)
        os.makedirs(neg_dir)
        n = 0
        for r in rules:
            for i, tp in enumerate(r["examples"]["tp"]):
                for seed in range(args.seeds):
                    rng = random.Random(f"bench/{r['id']}/{i}/{seed}")
                    text, span = expand(tp, rng)
                    if span is None:
                        continue
                    extra = [] if r["id"] in SYNTAX_BOUND else variants(text, span)
                    for t, _ in [(text, span)] + extra:
                        n += 1
                        name = f"pos/{n:05d}.txt"
                        with open(os.path.join(tmp, "set", name), "w") as f:
                            f.write(t)
                        cases.append((name, r["id"], t))
        for template, reversed_value in HARD_POSITIVES:
            text = template.format(reversed_value[::-1])
            n += 1
            name = f"pos/{n:05d}.txt"
            with open(os.path.join(tmp, "set", name), "w") as f:
                f.write(text + "\n")
            cases.append((name, "generic-credential-assignment", text))
        negatives = [fp for r in rules for fp in r["examples"]["fp"]] + HARD_NEGATIVES
        for neg in negatives:
            n += 1
            name = f"neg/{n:05d}.txt"
            with open(os.path.join(tmp, "set", name), "w") as f:
                f.write(neg + ("\n" if not neg.endswith("\n") else ""))
            cases.append((name, None, neg))

        found = collections.defaultdict(list)
        for x in run(args.binary, os.path.join(tmp, "set"), config):
            if x["rule"] in by_id:
                found[x["path"]].append(x["rule"])
        wrong = []
        for name, want, text in cases:
            got = found.get(name, [])
            if want is None:
                for g in got:
                    stats[by_id[g]["family"]]["neg_fp"] += 1
                    wrong.append(f"FP {g} on {name}: {text!r}")
                stats["__neg__"] = stats.get("__neg__", collections.Counter())
                stats["__neg__"]["cases"] += 1
                continue
            fam = by_id[want]["family"]
            stats[fam]["pos"] += 1
            if want in got:
                stats[fam]["tp"] += 1
            else:
                stats[fam]["fn"] += 1
                wrong.append(f"FN {want} on {name} (got {got}): {text!r}")
            # Another rule on a positive still found a real credential (the catch-all, say): it
            # counts for detection and as a true positive of that rule, never as a false one.
            if got:
                stats[fam]["detected"] += 1
            for g in got:
                if g != want:
                    stats[by_id[g]["family"]]["other_tp"] += 1

    rule_count = collections.Counter(r["family"] for r in rules)
    print("| family | rules | synthetic positives | recall (own rule) | recall (any rule) | FPs on hard negatives | corpus TP / FP | precision |")
    print("|---|---|---|---|---|---|---|---|")
    tot = collections.Counter()

    def row(name, n_rules, s):
        tp = s["tp"] + s["other_tp"] + s["corpus_tp"]
        fp = s["neg_fp"] + s["corpus_fp"]
        recall = s["tp"] / s["pos"] if s["pos"] else 0.0
        detected = s["detected"] / s["pos"] if s["pos"] else 0.0
        precision = tp / (tp + fp) if tp + fp else 1.0
        print(
            f"| {name} | {n_rules} | {s['pos']} | {recall:.3f} | {detected:.3f} | {s['neg_fp']} | "
            f"{s['corpus_tp']} / {s['corpus_fp']} | {precision:.3f} |"
        )

    for fam in families:
        tot.update(stats[fam])
        row(fam, rule_count[fam], stats[fam])
    row("**all**", len(rules), tot)
    print(f"\nhard negatives: {stats.get('__neg__', {}).get('cases', 0)} files; corpus: {len(corpus)} pattern findings")
    for w in wrong:
        print(w)
    if unlabelled:
        print("\nunlabelled corpus findings (add a verdict to bench/source-labels.tsv):")
        print("\n".join(unlabelled))
        sys.exit(1)


if __name__ == "__main__":
    main()
