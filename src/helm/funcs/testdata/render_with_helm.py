#!/usr/bin/env python3
"""Renders template snippets with a real helm binary, to produce helm_conformance.jsonl cases.

Usage: HELM=/path/to/helm render_with_helm.py CASES [VALUES.yaml] > out.jsonl
CASES holds templates separated by lines of `----`. Each template becomes the NOTES.txt of a
throwaway chart; `helm install --dry-run=client -o json` returns the rendered notes verbatim.
All templates are first rendered together (one helm run); if any fails, each is rendered alone.
"""
import json, os, re, shutil, subprocess, sys, tempfile

HELM = os.environ.get("HELM", "helm")


def render(body, values, work):
    d = tempfile.mkdtemp(dir=work)
    os.makedirs(f"{d}/c/templates")
    with open(f"{d}/c/Chart.yaml", "w") as f:
        f.write("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    with open(f"{d}/c/templates/NOTES.txt", "w") as f:
        f.write(body)
    if values is not None:
        with open(f"{d}/c/values.yaml", "w") as f:
            f.write(values)
    env = dict(os.environ, HELM_CACHE_HOME=f"{work}/hc", HELM_CONFIG_HOME=f"{work}/hcfg", HELM_DATA_HOME=f"{work}/hd")
    p = subprocess.run([HELM, "install", "x", f"{d}/c", "--dry-run=client", "-o", "json"],
                       capture_output=True, text=True, env=env)
    shutil.rmtree(d)
    if p.returncode != 0:
        return None, p.stderr.strip()
    return json.loads(p.stdout)["info"].get("notes", ""), None


def main():
    cases = [c.strip("\n") for c in open(sys.argv[1]).read().split("\n----\n") if c.strip()]
    values = open(sys.argv[2]).read() if len(sys.argv) > 2 else None
    work = tempfile.mkdtemp()
    body = "".join(f"@@{i}@@{c}" for i, c in enumerate(cases)) + f"@@{len(cases)}@@"
    out, err = render(body, values, work)
    for i, c in enumerate(cases):
        if err is None:
            s = out.index(f"@@{i}@@") + len(f"@@{i}@@")
            o, e = out[s:out.index(f"@@{i + 1}@@")], None
        else:
            o, e = render(c, values, work)
        case = {"tpl": c}
        if values is not None:
            case["values"] = values
        if e is None:
            case["out"] = o
        else:
            m = re.search(r"error calling [A-Za-z0-9_]+: (.*)$", e, re.S)
            if not m:
                print(f"skipped (not a function error): {c}: {e}", file=sys.stderr)
                continue
            case["err"] = m.group(1)
        print(json.dumps(case, ensure_ascii=False))
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
