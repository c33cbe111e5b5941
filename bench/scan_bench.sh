#!/usr/bin/env bash
# Full-scan benchmark on the ten public repositories of the precision study (issue 10, "Speed"):
# one hyperfine run with, side by side,
#   full    `secretgate check DIR` — every pack, every chart rendered for every environment;
#   source  `secretgate check DIR --pack source`;
#   rg      `rg` with 13 regexes of the source pack's keywords over the same tree.
# Appends to bench/SCAN_BENCH.md the means, the ratios to rg, peak RSS, and where one full run
# spends its time (SECRETGATE_TIMINGS=1: phases, and the slowest model rules).
#
#   bench/fetch_repos.sh /tmp/repos MIRROR...   # the pinned trees (see that script)
#   bench/scan_bench.sh /tmp/repos
#
# Needs hyperfine, ripgrep and GNU time (apt-get install hyperfine ripgrep time).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: bench/scan_bench.sh DIR (the trees of bench/fetch_repos.sh)}
for tool in hyperfine rg /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install hyperfine ripgrep time)" >&2; exit 2; }
done
cargo build --release --locked -q
sg=$PWD/target/release/secretgate
out=$PWD/bench/out/scan
mkdir -p "$out"

# 13 regexes: the credential keywords and token shapes the source pack looks for first.
pat=$out/patterns.txt
cat >"$pat" <<'PATTERNS'
(?i)password["']?\s*[:=]\s*\S+
(?i)passwd["']?\s*[:=]\s*\S+
(?i)token["']?\s*[:=]\s*\S+
(?i)secret["']?\s*[:=]\s*\S+
(?i)api[_-]?key["']?\s*[:=]\s*\S+
(?i)access[_-]?key["']?\s*[:=]\s*\S+
(?i)private[_-]?key["']?\s*[:=]\s*\S+
[a-z][a-z0-9+.-]*://[^/\s:@]+:[^@\s/]+@
-----BEGIN [A-Z ]*PRIVATE KEY-----
AKIA[0-9A-Z]{16}
gh[pousr]_[A-Za-z0-9]{36}
xox[baprs]-[A-Za-z0-9-]{10,}
(?i)changeme|changeit|minioadmin
PATTERNS

files=$(find "$dir" -type f | wc -l)
mib=$(($(du -sb "$dir" | cut -f1) / 1024 / 1024))
hyperfine -N -i --warmup 1 --runs 5 --export-json "$out/scan.json" \
  -n full "$sg check $dir --format json -o /dev/null --fail-on never" \
  -n source "$sg check $dir --pack source --format json -o /dev/null --fail-on never" \
  -n rg "rg -c --no-messages -f $pat $dir" >/dev/null
/usr/bin/time -f %M -o "$out/full.rss" "$sg" check "$dir" --format json -o /dev/null --fail-on never >/dev/null 2>&1 || true
/usr/bin/time -f %M -o "$out/rg.rss" rg -c --no-messages -f "$pat" "$dir" >/dev/null 2>&1 || true
full_rss=$(tail -1 "$out/full.rss")
rg_rss=$(tail -1 "$out/rg.rss")
SECRETGATE_TIMINGS=1 "$sg" check "$dir" --format json -o /dev/null --fail-on never 2>"$out/timings.txt"

report=bench/SCAN_BENCH.md
[ -f "$report" ] || cat >"$report" <<'EOF'
# Full-scan benchmark

`bench/scan_bench.sh DIR` over the ten repositories of the precision study, extracted at their
pinned commits by `bench/fetch_repos.sh`. `full` is the default `check` (all packs, every chart
rendered for every environment and release), `source` is `check --pack source`, `rg` runs 13
regexes of the source pack's keywords (`bench/out/scan/patterns.txt`). Hyperfine means of five
runs after one warm-up; peak RSS from GNU time; the phase table is one full run with
`SECRETGATE_TIMINGS=1`. Goals (issue 10): full ≤ 3× rg, source ≤ 1.5× rg, peak RSS < 300 MiB.
EOF
python3 - "$out/scan.json" "$out/timings.txt" "$files" "$mib" "$full_rss" "$rg_rss" "$(git rev-parse --short HEAD)" >>"$report" <<'PY'
import datetime, json, re, sys
runs = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
timings, files, mib, full_rss, rg_rss, commit = sys.argv[2:]
mean = lambda k: runs[k]["mean"]
print(f"\n## {datetime.date.today()} — 2 cores, commit {commit}\n")
print(f"{files} files, {mib} MiB.\n")
print("| run | mean | ratio to rg | peak RSS |")
print("|---|---|---|---|")
print(f"| full | {mean('full'):.2f} s ± {runs['full']['stddev']:.2f} | {mean('full') / mean('rg'):.1f}× | {int(full_rss) // 1024} MiB |")
print(f"| source | {mean('source'):.2f} s ± {runs['source']['stddev']:.2f} | {mean('source') / mean('rg'):.1f}× | |")
print(f"| rg | {mean('rg'):.2f} s ± {runs['rg']['stddev']:.2f} | 1.0× | {int(rg_rss) // 1024} MiB |")
print("\nWhere one full run spends its time:\n")
print("| phase | ms |")
print("|---|---|")
for line in open(timings):
    m = re.match(r"secretgate timing: (\s*)(.*?)\s+([0-9.]+) ms", line)
    if m:
        name = ("  ↳ rule " if m.group(1) else "") + m.group(2)
        print(f"| {name} | {m.group(3)} |")
PY
echo "wrote $report"
