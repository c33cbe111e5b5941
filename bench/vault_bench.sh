#!/usr/bin/env bash
# Benchmark of `secretgate vault verify`: 5,000 expected keys (a generated fixture map, 50 folders
# of 100 keys) against a local OpenBao dev server seeded with all of them, read with a read-only
# token. Prints wall time of the verify run; results go to bench/VAULT_BENCH.md by hand.
#
#   bench/vault_bench.sh [N_KEYS]        (SECRETGATE=path/to/secretgate, default target/release)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-5000}"
BIN="${SECRETGATE:-$ROOT/target/release/secretgate}"
[[ -x "$BIN" ]] || { echo "build first: cargo build --release (or set SECRETGATE)" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/secretgate-vault-bench.XXXXXX")"
eval "$("$ROOT/scripts/start-openbao.sh" start)"
cleanup() { "$ROOT/scripts/start-openbao.sh" stop "$BAO_PID"; rm -rf "$WORK" "$BAO_HOME"; }
trap cleanup EXIT

python3 - "$WORK" "$N" "$VAULT_ADDR" "$VAULT_TOKEN" <<'PY'
import json, os, sys, secrets, urllib.request
from concurrent.futures import ThreadPoolExecutor
work, n, addr, root = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
shared = os.path.join(work, "sources/values/_shared/foundation")
env = os.path.join(work, "sources/values/env/bench/foundation")
os.makedirs(shared); os.makedirs(env)
keys = [f"bench/f{i % 50:02d}/key-{i:05d}" for i in range(n)]
with open(os.path.join(shared, "foundation-vault-bootstrap.yaml"), "w") as f:
    f.write("fixtures:\n" + "".join(f"  {k}: __generate__\n" for k in keys[1:]))
with open(os.path.join(env, "foundation-vault-bootstrap.yaml"), "w") as f:
    f.write(f"fixtures:\n  {keys[0]}: \"\"\n")
def call(method, path, body):
    req = urllib.request.Request(f"{addr}/v1/{path}", data=json.dumps(body).encode(), method=method,
                                 headers={"X-Vault-Token": root, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req)) if method == "POST" and path.startswith("auth/") else urllib.request.urlopen(req).read()
call("PUT", "sys/policies/acl/verify", {"policy": 'path "secret/data/*" { capabilities = ["read"] }\npath "secret/metadata/*" { capabilities = ["read", "list"] }\n'})
with ThreadPoolExecutor(16) as ex:
    list(ex.map(lambda k: call("POST", f"secret/data/{k}", {"data": {"value": secrets.token_hex(16)}}), keys))
tok = call("POST", "auth/token/create", {"policies": ["verify"], "ttl": "30m"})["auth"]["client_token"]
open(os.path.join(work, "token"), "w").write(tok)
PY

echo "verify $N keys against $VAULT_ADDR with $BIN"
for run in 1 2 3; do
    start=$(date +%s.%N)
    set +e
    "$BIN" vault verify "$WORK" --env bench --addr "$VAULT_ADDR" --token-file "$WORK/token" --format json -o "$WORK/report.json" 2>"$WORK/stderr"
    code=$?
    set -e
    end=$(date +%s.%N)
    [[ -f "$WORK/report.json" ]] || { cat "$WORK/stderr"; exit 1; }
    python3 -c "import json;d=json.load(open('$WORK/report.json'));print(f'run $run: exit $code, {d[\"summary\"][\"findings\"]} findings, wall {($end-$start):.2f} s')"
    tail -3 "$WORK/stderr"
done
