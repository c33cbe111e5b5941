#!/usr/bin/env bash
# Source-pack benchmark, one run on the same files: `secretgate check --pack source` against `rg`
# running the same regex set (taken from rules/*.yaml), `ripsecrets` and `detect-secrets`.
#
#   bench/source_bench.sh [CORPUS_DIR]     # default ../shared/corpus; writes bench/SOURCE_BENCH.md
#
# Installs ripsecrets (cargo) and detect-secrets (pip) into .tools/ when missing; needs rg,
# hyperfine and GNU time (apt-get install ripgrep hyperfine time). The generated 50k-manifest tree
# of bench/run.sh is reused as the large input; detect-secrets only runs on the corpus (it does
# not finish the large tree in reasonable time).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus}
out=bench/out
mkdir -p "$out"
tools=$PWD/.tools
[ -x "$tools/cargo/bin/ripsecrets" ] || cargo install --locked --root "$tools/cargo" ripsecrets >&2
[ -x "$tools/venv/bin/detect-secrets" ] || { python3 -m venv "$tools/venv" && "$tools/venv/bin/pip" install -q detect-secrets >&2; }
cargo build --release --locked -q
sg=target/release/secretgate
gen=$out/gen50k
[ -f "$gen/.complete" ] || { rm -rf "$gen"; python3 bench/gen_tree.py "$gen" 50000; touch "$gen/.complete"; }

# The same regex set as the pattern packs, one per line, for rg.
python3 - "$out/source-patterns.txt" <<'PY'
import glob, re, sys, yaml
pats = []
for f in sorted(glob.glob("rules/*.yaml")):
    doc = yaml.safe_load(open(f))
    for r in doc.get("rules", doc) if isinstance(doc, dict) else doc:
        if isinstance(r, dict) and r.get("regex"):
            # rg joins -f patterns into one alternation: drop group names (duplicates there) and
            # scope each pattern's inline flags with a group of its own.
            pat = re.sub(r"\(\?P<[^>]+>", "(", r["regex"].replace("\n", ""))
            pats.append(f"(?:{pat})")
open(sys.argv[1], "w").write("\n".join(pats) + "\n")
print(f"{len(pats)} patterns", file=sys.stderr)
PY
npat=$(wc -l <"$out/source-patterns.txt")

row() { printf '%s\n' "$*" >>"$out/source-rows.txt"; }
: >"$out/source-rows.txt"
time_it() { # label cmd... -> prints "seconds peakKB"
  local t
  t=$( { /usr/bin/time -f '%e %M' "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -1)
  echo "$t"
}

bench_tree() { # name dir with_detect_secrets
  local name=$1 dir=$2 ds=$3 files
  files=$(find "$dir" -type f | wc -l)
  hyperfine -N -i --warmup 1 --runs 5 --export-json "$out/source-$name.json" \
    -n secretgate "$sg check $dir --pack source --format json -o /dev/null --fail-on never" \
    -n rg "rg -U -c --no-messages -f $out/source-patterns.txt $dir" \
    -n ripsecrets "$tools/cargo/bin/ripsecrets $dir" >/dev/null
  read -r sg_t rg_t rs_t < <(python3 -c "import json;r=json.load(open('$out/source-$name.json'))['results'];print(*[f\"{x['mean']:.3f}\" for x in r])")
  local ds_t="—"
  if [ "$ds" = yes ]; then
    local t0 t1
    t0=$(date +%s.%N)
    (cd "$dir" && timeout 3600 "$tools/venv/bin/detect-secrets" scan --all-files . >/dev/null 2>&1) || true
    t1=$(date +%s.%N)
    ds_t=$(python3 -c "print(f'{$t1-$t0:.2f}')")
  fi
  local ratio_rg ratio_rs ratio_ds
  ratio_rg=$(python3 -c "print(f'{$sg_t/$rg_t:.2f}')")
  ratio_rs=$(python3 -c "print(f'{$rs_t/$sg_t:.1f}')")
  ratio_ds=$( [ "$ds_t" = "—" ] && echo "—" || python3 -c "print(f'{$ds_t/$sg_t:.0f}')")
  row "| $name | $files | ${sg_t} s | ${rg_t} s | ${rs_t} s | ${ds_t} s | ${ratio_rg}x | ${ratio_rs}x | ${ratio_ds}x |"
}

[ -d "$corpus" ] && bench_tree corpus "$corpus" yes
bench_tree gen50k "$gen" no

{
  echo "# Source-pack benchmark"
  echo
  echo "Produced by \`bench/source_bench.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores. secretgate: \`check --pack source\` (all $npat pattern"
  echo "rules plus dotenv/ansible/permission rules, JSON report written); rg: the same $npat regexes (\`rg -U -c -f\`, multi-line because PEM blocks span lines);"
  echo "ripsecrets $("$tools/cargo/bin/ripsecrets" --version 2>/dev/null | awk '{print $2}'); detect-secrets $("$tools/venv/bin/detect-secrets" --version 2>/dev/null) (\`scan --all-files\`, single run)."
  echo "secretgate/rg/ripsecrets: hyperfine mean of 5 runs after 1 warm-up."
  echo
  echo "| tree | files | secretgate | rg | ripsecrets | detect-secrets | secretgate/rg | ripsecrets/secretgate | detect-secrets/secretgate |"
  echo "|---|---|---|---|---|---|---|---|---|"
  cat "$out/source-rows.txt"
} >bench/SOURCE_BENCH.md
cat bench/SOURCE_BENCH.md
