#!/usr/bin/env bash
# Benchmark: `check --staged` with three staged files in a ~20k-file Git repository, with a warm
# model cache, beside the same run without the cache and a full `check`. Appends a section to
# bench/STAGED_BENCH.md with the wall times (hyperfine) and where one warm run spends its time
# (SECRETGATE_TIMINGS).
#
#   bench/staged_bench.sh            # needs hyperfine and git (apt-get install hyperfine git)
#
# Three repositories, generated here (deterministic, no network):
#   monorepo  bench/gen_gitops.py 5000 plus bench/gen_monorepo.py 17000: a product monorepo of
#             17k source files with its GitOps deployment beside it (200 Argo CD Applications
#             rendering one chart over three environments, 5k ExternalSecrets): ~20k files.
#   gitops    bench/gen_gitops.py 40000: the deployment alone, 40k ExternalSecrets: ~21k files,
#             nearly all of them manifests the repository model reads.
#   flat      bench/gen_tree.py 20000: 20k manifests, one per folder, no chart.
# The three staged files are ExternalSecret manifests (or the first three manifests of `flat`),
# each with a comment line added.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine git python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install hyperfine git)" >&2; exit 2; }
done
cargo build --release --locked -q
sg=$PWD/target/release/secretgate
out=$PWD/bench/out/staged
mkdir -p "$out"

make_repo() { # name generator-command...
  local name=$1 dir=$out/$1
  shift
  if [ ! -f "$out/$name.ready" ]; then
    rm -rf "$dir"
    "$@" "$dir" >/dev/null
    git -C "$dir" init -q
    git -C "$dir" add -A
    git -C "$dir" -c user.email=bench@example.invalid -c user.name=bench commit -qm base
    touch "$out/$name.ready"
  fi
  git -C "$dir" reset -q --hard
  local pick
  pick=$(git -C "$dir" ls-files | grep -E '/es-[0-9]+\.yaml$' || true)
  [ -n "$pick" ] || pick=$(git -C "$dir" ls-files | grep -E '\.yaml$' || true)
  for f in $(printf '%s\n' "$pick" | sed -n 1,3p); do
    echo "# staged change" >>"$dir/$f"
    git -C "$dir" add "$f"
  done
}

gen_monorepo() { python3 bench/gen_gitops.py 5000 "$1" && python3 bench/gen_monorepo.py 17000 "$1"; }
gen_gitops() { python3 bench/gen_gitops.py 40000 "$1"; }
gen_flat() { python3 bench/gen_tree.py "$1" 20000; }
make_repo monorepo gen_monorepo
make_repo gitops gen_gitops
make_repo flat gen_flat

report=bench/STAGED_BENCH.md
[ -f "$report" ] || cat >"$report" <<'EOF'
# `--staged` benchmark

`bench/staged_bench.sh`: three staged files in a generated Git repository of about 20k files;
`check --staged` with a warm model cache (what a pre-commit hook runs from the second commit on),
the same without the cache (`--no-cache`), and a full `check`. Wall times are hyperfine means; the
phase table is one warm run with `SECRETGATE_TIMINGS=1`. Each run appends a section.
EOF
{
  echo
  echo "## $(date -u +%Y-%m-%d) — $(nproc) cores, commit $(git rev-parse --short HEAD)"
  echo
  echo "| repository | files | --staged, warm cache | --staged --no-cache | full check |"
  echo "|---|---|---|---|---|"
} >>"$report"
for name in monorepo gitops flat; do
  dir=$out/$name
  files=$(git -C "$dir" ls-files | wc -l)
  # Warm the cache for this content.
  "$sg" check "$dir" --staged --format json -o /dev/null --fail-on never
  hyperfine -N --warmup 1 --runs 5 --export-json "$out/$name.json" \
    -n warm "$sg check $dir --staged --format json -o /dev/null --fail-on never" \
    -n nocache "$sg check $dir --staged --no-cache --format json -o /dev/null --fail-on never" \
    -n full "$sg check $dir --format json -o /dev/null --fail-on never" >/dev/null
  python3 - "$out/$name.json" "$name" "$files" >>"$report" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ms = lambda k: f"{r[k]['mean'] * 1000:.0f} ms ± {r[k]['stddev'] * 1000:.0f}"
print(f"| {sys.argv[2]} | {sys.argv[3]} | {ms('warm')} | {ms('nocache')} | {ms('full')} |")
PY
  SECRETGATE_TIMINGS=1 "$sg" check "$dir" --staged --format json -o /dev/null --fail-on never 2>"$out/$name.timings"
done
{
  echo
  echo "Where one warm run spends its time (ms):"
  echo
  echo "| phase | monorepo | gitops | flat |"
  echo "|---|---|---|---|"
  # Phases only (the indented lines are the slowest model rules, which differ per repository).
  phases() { grep -v '^secretgate timing:   ' "$1" | sed -E 's/^secretgate timing: (.*[^ ]) +([0-9.]+) ms$/\1\t\2/'; }
  paste -d'\t' <(phases "$out/monorepo.timings") <(phases "$out/gitops.timings") <(phases "$out/flat.timings") |
    awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $4, $6 }'
} >>"$report"
echo "wrote $report"
