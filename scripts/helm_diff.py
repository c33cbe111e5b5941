#!/usr/bin/env python3
"""Differential test: renders every chart under a corpus with the real Helm v4.3.1 binary and with
`secretgate render`, same release name, namespace, values and --kube-version, and compares the
output per rendered file (`# Source:` path). Prints a per-chart table and the overall match rate,
and times both tools over all charts (one `helm template` process per chart, as CI would run it).

    scripts/helm_diff.py [CORPUS] [--helm PATH] [--secretgate PATH] [--markdown FILE]
"""
import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KUBE = "1.30.0"
SOURCE = re.compile(r"^# Source: (.+)$", re.M)


def chart_roots(corpus: Path):
    charts = sorted(p.parent for p in corpus.rglob("Chart.yaml"))
    roots = []
    for c in charts:
        # Subcharts render with their parent.
        if any(p != c and str(c).startswith(str(p) + os.sep) and (c.relative_to(p).parts[:1] == ("charts",)) for p in charts):
            continue
        roots.append(c)
    return roots


def run(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "HELM_CACHE_HOME": str(ROOT / ".tools/hc"),
                       "HELM_CONFIG_HOME": str(ROOT / ".tools/hcfg"), "HELM_DATA_HOME": str(ROOT / ".tools/hd")})
    return p.returncode, p.stdout, p.stderr, time.perf_counter() - t


def split(out: str):
    """Rendered documents keyed by source path (a file can hold several documents)."""
    files = {}
    for doc in re.split(r"(?m)^---\n", out):
        m = SOURCE.search(doc)
        if not m:
            continue
        files.setdefault(m.group(1), []).append(doc)
    return files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--helm", default=str(ROOT / ".tools" / "helm"))
    ap.add_argument("--secretgate", default=str(ROOT / "target" / "release" / "secretgate"))
    ap.add_argument("--markdown")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"SKIP: corpus {corpus} not found", file=sys.stderr)
        return 0
    rows, same, total = [], 0, 0
    both_fail = only_helm_fail = only_sg_fail = 0
    t_helm = t_sg = 0.0
    mismatched = []
    for chart in chart_roots(corpus):
        common = ["--kube-version", KUBE, "-n", "default"]
        h_rc, h_out, h_err, h_t = run([args.helm, "template", "rel", str(chart), *common])
        s_rc, s_out, s_err, s_t = run([args.secretgate, "render", "rel", str(chart), *common])
        t_helm += h_t
        t_sg += s_t
        name = str(chart.relative_to(corpus))
        if h_rc != 0 and s_rc != 0:
            both_fail += 1
            rows.append((name, "both fail", "", h_err.strip().splitlines()[0][:90] if h_err.strip() else ""))
            continue
        if h_rc != 0:
            only_helm_fail += 1
            rows.append((name, "only helm fails", "", h_err.strip().splitlines()[0][:90]))
            continue
        if s_rc != 0:
            only_sg_fail += 1
            hf = split(h_out)
            total += len(hf)
            rows.append((name, "only secretgate fails", f"0/{len(hf)}", s_err.strip().splitlines()[0][:90] if s_err.strip() else ""))
            mismatched.append((name, "(render failed)", s_err.strip()[:300]))
            continue
        hf, sf = split(h_out), split(s_out)
        n = len(set(hf) | set(sf))
        ok = sum(1 for k in set(hf) | set(sf) if hf.get(k) == sf.get(k))
        total += n
        same += ok
        for k in sorted(set(hf) | set(sf)):
            if hf.get(k) != sf.get(k):
                mismatched.append((name, k, first_diff("\n".join(hf.get(k, [])), "\n".join(sf.get(k, [])))))
        rows.append((name, "rendered", f"{ok}/{n}", "" if ok == n else "mismatch"))
    rate = 100.0 * same / total if total else 0.0
    in_process = ""
    example = ROOT / "target" / "release" / "examples" / "render_all"
    if example.exists():
        rc, out, _, _ = run([str(example), str(corpus)])
        m = re.search(r"in ([0-9.]+) s", out)
        if rc == 0 and m:
            t_in = float(m.group(1))
            in_process = (f"- all charts in one secretgate process (`cargo run --release --example render_all`): {t_in:.2f} s, "
                          f"{t_helm / t_in:.1f}x faster than one `helm template` per chart")
    lines = [
        f"Helm v4.3.1 vs secretgate render, --kube-version {KUBE}, release `rel`, namespace `default`, chart defaults.",
        "",
        f"- charts: {len(rows)}; rendered by both: {len(rows) - both_fail - only_helm_fail - only_sg_fail}; "
        f"both fail (e.g. dependencies not vendored): {both_fail}; only Helm fails: {only_helm_fail}; only secretgate fails: {only_sg_fail}",
        f"- rendered files byte-identical: {same}/{total} = {rate:.1f}%",
        f"- wall time over all charts: helm template {t_helm:.2f} s (one process per chart), secretgate render {t_sg:.2f} s "
        f"(one process per chart), ratio {t_helm / t_sg if t_sg else 0:.1f}x",
        in_process,
        "",
        "| chart | outcome | identical files | note |",
        "|---|---|---|---|",
    ] + [f"| {a} | {b} | {c} | {d.replace('|', '/')} |" for a, b, c, d in rows]
    if mismatched:
        lines += ["", "## Mismatches", ""] + [f"- `{c}` `{k}`: {d}" for c, k, d in mismatched[:200]]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        Path(args.markdown).write_text("# Helm differential results\n\n" + text)
    return 0


def first_diff(a: str, b: str) -> str:
    al, bl = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(al, bl)):
        if x != y:
            return f"line {i + 1}: helm `{x.strip()[:80]}` vs secretgate `{y.strip()[:80]}`"
    return f"helm {len(al)} lines, secretgate {len(bl)} lines"


if __name__ == "__main__":
    sys.exit(main())
