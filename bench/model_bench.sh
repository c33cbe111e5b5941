#!/usr/bin/env bash
# Model benchmark: how `secretgate check` (and `secretgate graph`, when the binary has it) scales with the size
# of a GitOps repository built around ExternalSecrets: Argo CD multi-source Applications, one shared Helm chart
# rendered per application with layered values, raw ExternalSecret + Deployment manifests, SecretStores and a
# Vault fixture map (see bench/gen_gitops.py).
#
#   bench/model_bench.sh [N...]     # default 1000 5000 20000 ExternalSecrets; appends to bench/MODEL_BENCH.md
#
# Build: runs `cargo build --release --locked` ONLY when target/release/secretgate is missing. An existing binary is
# used as it is, even if stale: run `cargo build --release` (or delete the binary) first to measure current sources.
# Trees: bench/out/gitops-N (git-ignored), regenerated only when N's tree is missing or bench/gen_gitops.py changed
# (bench/out/gitops-N.stamp holds the generator's hash).
# Timing: 3 runs per command, median wall time; peak RSS is the largest of the runs. Uses GNU `/usr/bin/time -v`,
# else a python3 wrapper reading getrusage(RUSAGE_CHILDREN). Installs nothing; needs python3.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
sg=target/release/secretgate
runs=3
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 5000 20000)
mkdir -p "$out"
command -v python3 >/dev/null || { echo "model_bench: python3 is missing" >&2; exit 2; }

if [ ! -x "$sg" ]; then
  echo "model_bench: $sg missing, building it (cargo build --release --locked)" >&2
  cargo build --release --locked -q
fi

if /usr/bin/time -v -o /dev/null true 2>/dev/null; then
  timer="GNU time -v"
else
  timer="python3 getrusage(RUSAGE_CHILDREN)"
fi

# measure CMD... -> "wall_seconds max_rss_kib exit_code" on stdout; the command's own output is discarded.
measure() {
  if [ "$timer" = "GNU time -v" ]; then
    local tf rc=0
    tf=$(mktemp)
    /usr/bin/time -v -o "$tf" "$@" >/dev/null 2>&1 || rc=$?
    awk -v rc="$rc" '
      /Elapsed \(wall clock\) time/ { n = split($NF, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
      /Maximum resident set size/ { m = $NF }
      END { printf "%.3f %d %d\n", w, m, rc }' "$tf"
    rm -f "$tf"
  else
    python3 -c '
import resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
w = time.perf_counter() - t
print(f"{w:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} {rc}")' "$@"
  fi
}

# bench_cmd CMD... -> "median_wall_s max_rss_mib" over $runs runs; exit codes 0 and 1 (findings) are fine.
bench_cmd() {
  local walls=() rss=0 w m rc i
  for ((i = 0; i < runs; i++)); do
    read -r w m rc <<<"$(measure "$@")"
    if [ "$rc" -gt 1 ]; then
      echo "model_bench: '$*' exited with $rc" >&2
      "$@" >/dev/null || true
      exit 2
    fi
    walls+=("$w")
    [ "$m" -gt "$rss" ] && rss=$m
  done
  python3 -c 'import statistics, sys; print(f"{statistics.median(map(float, sys.argv[2:])):.3f} {int(sys.argv[1]) / 1024:.0f}")' "$rss" "${walls[@]}"
}

has_graph=no
"$sg" graph --help >/dev/null 2>&1 && has_graph=yes
[ "$has_graph" = yes ] || echo "model_bench: '$sg graph' not available, graph column left empty" >&2

gen_hash=$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' bench/gen_gitops.py)
rows=()
for n in "${sizes[@]}"; do
  tree=$out/gitops-$n
  if [ ! -d "$tree" ] || [ "$(cat "$tree.stamp" 2>/dev/null)" != "$gen_hash" ]; then
    rm -rf "$tree" "$tree.stamp"
    python3 bench/gen_gitops.py "$n" "$tree" >&2
    echo "$gen_hash" >"$tree.stamp"
  fi
  files=$(find "$tree" -type f | wc -l)

  res=$(bench_cmd "$sg" check "$tree" --format json -o /dev/null)
  read -r check_s check_mib <<<"$res"
  graph_s="—"
  if [ "$has_graph" = yes ]; then
    res=$(bench_cmd "$sg" graph "$tree" --env production --format text -o /dev/null)
    read -r graph_s _ <<<"$res"
  fi
  per_1k=$(python3 -c 'import sys; print(f"{float(sys.argv[1]) * 1000 / int(sys.argv[2]):.3f}")' "$check_s" "$n")

  # One untimed run to show what was scanned: a tree the walk skipped would otherwise look fast.
  report=$out/gitops-$n.report.json
  "$sg" check "$tree" --format json -o "$report" --fail-on never >/dev/null 2>&1 || true
  python3 -c '
import json, sys
try:
    s = json.load(open(sys.argv[1])).get("summary", {})
    scanned, findings = s.get("files", "?"), s.get("findings", "?")
    print(f"model_bench: N={sys.argv[2]}: {scanned} files scanned of {sys.argv[3]}, {findings} findings", file=sys.stderr)
except Exception as e:
    print(f"model_bench: N={sys.argv[2]}: no readable report ({e})", file=sys.stderr)' "$report" "$n" "$files"

  rows+=("| $n | $files | $check_s | $check_mib | $graph_s | $per_1k |")
done

table=$(
  echo "| N ExternalSecrets | files | check wall s | check max RSS MiB | graph wall s | s per 1k ES |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
)
echo "$table"

md=bench/MODEL_BENCH.md
if [ ! -f "$md" ]; then
  cat >"$md" <<'HEADER'
# Model benchmark

How `secretgate` scales with a GitOps repository built around ExternalSecrets. `bench/gen_gitops.py N` writes a
deterministic repository with N ExternalSecrets: 200 multi-source Argo CD Applications over dev/staging/production
rendering one shared Helm chart with two value layers each (half of the ExternalSecrets come from those values), the
other half as raw manifests each with a Deployment consuming its Secret, a SecretStore per namespace, and a Vault
fixture map with per-environment overrides; about 2% of the ExternalSecrets carry a deliberate problem (a Vault key
missing from the fixtures, a consumer of a Secret nobody produces).

Measured per N: `secretgate check bench/out/gitops-N --format json -o /dev/null` (every file parsed, every chart
rendered per Application, every rule run) and, when the binary has it, `secretgate graph bench/out/gitops-N --env
production --format text -o /dev/null`; 3 runs each, median wall time, peak RSS the largest of the runs.
`s per 1k ES` is the check wall time divided by N/1000.

Reproduce: `bench/model_bench.sh [N...]` (default 1000 5000 20000) from a checkout; it builds the release binary only
when it is missing, so rebuild first to measure current sources. Each run appends a section below.
HEADER
fi
{
  echo
  echo "## $(date -u +%Y-%m-%d) — $(nproc) cores, $("$sg" --version 2>/dev/null || echo secretgate), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), timing: $timer"
  echo
  echo "$table"
} >>"$md"
echo "model_bench: appended to $md" >&2
