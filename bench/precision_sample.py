#!/usr/bin/env python3
"""Pick the labelled sample of the precision study (issue 9) deterministically.

    python3 bench/precision_sample.py RESULTS_DIR [--all ALL_JSON] [--per-rule 20] [--show REPOS_DIR]

RESULTS_DIR holds one `secretgate check <repo> --format json` report per repository, named <repo>.json
(bench/PRECISION.md says how they were made). Findings that only the whole-folder run (--all, paths
prefixed with the repository folder) reports are added with their repository taken from the path.
For each rule: the findings of each repository sorted by fingerprint (then path, line), taken round-robin
over the repositories in name order, at most --per-rule. Prints `rule repo path line` rows (TSV) —
the keys of bench/labels/precision-sample.tsv. With --show, prints the message and the source lines
around each finding instead (for labelling; never paste those lines into the labels file).
"""
import argparse
import collections
import glob
import json
import os


def load(results, all_json):
    out = []
    seen = set()
    for f in sorted(glob.glob(os.path.join(results, "*.json"))):
        repo = os.path.basename(f)[:-5]
        if all_json and os.path.abspath(f) == os.path.abspath(all_json):
            continue
        for x in json.load(open(f))["findings"]:
            x = dict(x, repo=repo)
            out.append(x)
            seen.add((x["rule"], repo, x["path"], x["line"], x["message"]))
    if all_json:
        for x in json.load(open(all_json))["findings"]:
            repo, _, path = x["path"].partition("/")
            if (x["rule"], repo, path, x["line"], x["message"]) in seen:
                continue
            out.append(dict(x, repo=repo, path=path, whole_folder_only=True))
    return out


def sample(findings, per_rule):
    by_rule = collections.defaultdict(lambda: collections.defaultdict(list))
    for x in findings:
        by_rule[x["rule"]][x["repo"]].append(x)
    picked = []
    for rule in sorted(by_rule):
        queues = []
        for repo in sorted(by_rule[rule]):
            queues.append(sorted(by_rule[rule][repo], key=lambda x: (x["fingerprint"], x["path"], x["line"])))
        n = 0
        i = 0
        while n < per_rule and any(queues):
            q = queues[i % len(queues)]
            if q:
                picked.append(q.pop(0))
                n += 1
            i += 1
    return picked


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--all", dest="all_json")
    ap.add_argument("--per-rule", type=int, default=20)
    ap.add_argument("--show", metavar="REPOS_DIR")
    a = ap.parse_args()
    picked = sample(load(a.results, a.all_json), a.per_rule)
    for x in picked:
        if not a.show:
            print(f"{x['rule']}\t{x['repo']}\t{x['path']}\t{x['line']}")
            continue
        print(f"### {x['rule']}\t{x['repo']}\t{x['path']}\t{x['line']}\tenv={x.get('env')}"
              + (" [whole-folder only]" if x.get("whole_folder_only") else ""))
        print("    MSG:", x["message"][:300])
        for r in x.get("related") or []:
            print("    REL:", r.get("path"), r.get("line"), (r.get("message") or "")[:120])
        try:
            lines = open(os.path.join(a.show, x["repo"], x["path"]), errors="replace").read().split("\n")
            lo = max(0, x["line"] - 3)
            for k in range(lo, min(len(lines), x["line"] + 2)):
                print(f"    {k+1:5}{'>' if k+1 == x['line'] else ' '} {lines[k][:160]}")
        except OSError as e:
            print("    (cannot read:", e, ")")


if __name__ == "__main__":
    main()
