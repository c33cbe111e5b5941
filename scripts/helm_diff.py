#!/usr/bin/env python3
"""Differential test: renders every chart under a corpus with the real Helm v4.3.1 binary and with
`secretgate render`, same release name, namespace, values and --kube-version, and compares the
output per rendered file (`# Source:` path). Prints a per-chart table and the overall match rate,
and times both tools over all charts (one `helm template` process per chart, as CI would run it).

    scripts/helm_diff.py [CORPUS...] [--helm PATH] [--secretgate PATH] [--modes defaults,ci] [--markdown FILE]

Two values modes: the chart's defaults, and each of the chart's own `ci/*.yaml` values files
(what chart CI renders); one table per mode.
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


def error_line(err: str) -> str:
    """Helm prints warnings (`level=WARN …`) before its error: show the error."""
    lines = [l for l in err.strip().splitlines() if l.strip()]
    for l in lines:
        if l.startswith("Error:") or l.startswith("error:"):
            return l[:90]
    return lines[0][:90] if lines else ""


def values_sets(chart: Path, mode: str):
    """The values each render uses: chart defaults, or each of the chart's own `ci/*.yaml`."""
    if mode == "defaults":
        return [None]
    ci = chart / "ci"
    return sorted(p for p in ci.glob("*.y*ml") if p.is_file()) if ci.is_dir() else []


def compare_mode(corpora, mode, args):
    rows, same, total = [], 0, 0
    both_fail = only_helm_fail = only_sg_fail = 0
    t_helm = t_sg = 0.0
    mismatched = []
    charts = 0
    nondet = real_mismatch = 0
    for corpus in corpora:
        for chart in chart_roots(corpus):
            sets = values_sets(chart, mode)
            if sets:
                charts += 1
            for vf in sets:
                common = ["--kube-version", KUBE, "-n", "default"] + (["-f", str(vf)] if vf else [])
                h_rc, h_out, h_err, h_t = run([args.helm, "template", "rel", str(chart), *common])
                s_rc, s_out, s_err, s_t = run([args.secretgate, "render", "rel", str(chart), *common])
                t_helm += h_t
                t_sg += s_t
                name = f"{corpus.name}/{chart.relative_to(corpus)}" + (f" `-f {vf.relative_to(chart)}`" if vf else "")
                if h_rc != 0 and s_rc != 0:
                    both_fail += 1
                    rows.append((name, "both fail", "", error_line(h_err)))
                    continue
                if h_rc != 0:
                    only_helm_fail += 1
                    rows.append((name, "only helm fails", "", error_line(h_err)))
                    continue
                if s_rc != 0:
                    only_sg_fail += 1
                    hf = split(h_out)
                    total += len(hf)
                    rows.append((name, "only secretgate fails", f"0/{len(hf)}", error_line(s_err)))
                    mismatched.append((name, "(render failed)", s_err.strip()[:300]))
                    continue
                hf, sf = split(h_out), split(s_out)
                keys = set(hf) | set(sf)
                n = len(keys)
                diff = [k for k in sorted(keys) if hf.get(k) != sf.get(k)]
                # A file Helm itself renders differently on a second run (randAlphaNum, genCA,
                # htpasswd, now) cannot be byte-identical: count it as nondeterministic.
                random = set()
                if diff:
                    _, h2_out, _, _ = run([args.helm, "template", "rel", str(chart), *common])
                    h2 = split(h2_out)
                    random = {k for k in diff if h2.get(k) != hf.get(k)}
                ok = n - len(diff)
                total += n
                same += ok
                nondet += len(random)
                for k in diff:
                    tag = " (nondeterministic in Helm too)" if k in random else ""
                    mismatched.append((name, k + tag, first_diff("\n".join(hf.get(k, [])), "\n".join(sf.get(k, [])))))
                real = [k for k in diff if k not in random]
                if real:
                    real_mismatch += 1
                note = "" if not diff else ("mismatch" if real else f"{len(random)} nondeterministic in Helm")
                rows.append((name, "rendered", f"{ok}/{n}", note))
    renders = len(rows)
    both_ok = renders - both_fail - only_helm_fail - only_sg_fail
    compared = renders - both_fail
    identical_renders = sum(1 for r in rows if r[1] == "rendered" and r[3] == "")
    deterministic_ok = both_ok - real_mismatch
    rate = 100.0 * same / total if total else 0.0
    values_desc = "chart defaults" if mode == "defaults" else "each `ci/*.yaml` of the chart (`-f ci/x.yaml`), as chart CI renders"
    lines = [
        f"## Values: {mode}",
        "",
        f"Values: {values_desc}.",
        "",
        "| charts | renders | rendered by both | both fail | only Helm fails | only secretgate fails | identical renders (excluding both fail) | identical up to Helm's own nondeterminism | identical files | files nondeterministic in Helm |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {charts} | {renders} | {both_ok} | {both_fail} | {only_helm_fail} | {only_sg_fail} | "
        f"{identical_renders}/{compared} = {100.0 * identical_renders / compared if compared else 0:.1f}% | "
        f"{deterministic_ok}/{compared} = {100.0 * deterministic_ok / compared if compared else 0:.1f}% | "
        f"{same}/{total} = {rate:.1f}% | {nondet} |",
        "",
        f"Wall time: helm template {t_helm:.2f} s, secretgate render {t_sg:.2f} s (one process per render), "
        f"ratio {t_helm / t_sg if t_sg else 0:.1f}x.",
        "",
        "| chart | outcome | identical files | note |",
        "|---|---|---|---|",
    ] + [f"| {a} | {b} | {c} | {d.replace('|', '/')} |" for a, b, c, d in rows]
    if mismatched:
        lines += ["", f"### Mismatches ({mode})", ""] + [f"- `{c}` `{k}`: {d}" for c, k, d in mismatched[:200]]
    return lines, t_helm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="*", default=[str(ROOT.parent / "shared" / "corpus")])
    ap.add_argument("--helm", default=str(ROOT / ".tools" / "helm"))
    ap.add_argument("--secretgate", default=str(ROOT / "target" / "release" / "secretgate"))
    ap.add_argument("--modes", default="defaults,ci", help="comma-separated: defaults, ci")
    ap.add_argument("--markdown")
    args = ap.parse_args()
    corpora = [Path(c) for c in args.corpus if Path(c).is_dir()]
    if not corpora:
        print(f"SKIP: corpus {args.corpus} not found", file=sys.stderr)
        return 0
    text_lines = [
        f"Helm v4.3.1 vs secretgate render, --kube-version {KUBE}, release `rel`, namespace `default`. "
        f"Corpora: {', '.join(f'`{c}`' for c in corpora)}. Identical rates exclude renders both tools fail.",
        "",
    ]
    for mode in args.modes.split(","):
        lines, t_helm = compare_mode(corpora, mode.strip(), args)
        text_lines += lines + [""]
    example = ROOT / "target" / "release" / "examples" / "render_all"
    if example.exists():
        for corpus in corpora:
            rc, out, _, _ = run([str(example), str(corpus)])
            m = re.search(r"in ([0-9.]+) s", out)
            if rc == 0 and m:
                text_lines.append(f"- all charts of `{corpus.name}` in one secretgate process (`cargo run --release --example render_all`): {float(m.group(1)):.2f} s")
    text = "\n".join(text_lines) + "\n"
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
