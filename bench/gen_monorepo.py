#!/usr/bin/env python3
"""Generates the source side of a monorepo for the `--staged` benchmark.

    python3 bench/gen_monorepo.py N OUT_DIR

Writes N source files (Go, Python, TypeScript, Markdown, a few YAML configs) over services/<k>/
folders of about 20 files each, deterministic (fixed seed), stdlib only. Nothing in them is a
credential: identifiers and strings are generated words. Combined with bench/gen_gitops.py in the
same folder it makes a repository shaped like a product monorepo with its deployment beside it.
"""
import os
import random
import sys

n, root = int(sys.argv[1]), sys.argv[2]
rng = random.Random(20261206)
WORDS = "alpha beta gamma delta order user invoice cart stock price queue event batch report token_count page".split()


def word():
    return rng.choice(WORDS)


def go(i):
    funcs = "".join(
        f"\nfunc {word().title()}{j}(ctx context.Context, in *{word().title()}) (*{word().title()}, error) {{\n"
        f"\tif in == nil {{\n\t\treturn nil, fmt.Errorf(\"{word()} {j}: missing input\")\n\t}}\n"
        f"\tlog.Printf(\"handling %s\", in.{word().title()})\n\treturn &{word().title()}{{}}, nil\n}}\n"
        for j in range(rng.randint(3, 8))
    )
    return f"package svc{i % 97}\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\t\"log\"\n)\n{funcs}"


def py(i):
    funcs = "".join(
        f"\n\ndef {word()}_{j}(items, limit={rng.randint(1, 99)}):\n    \"\"\"Returns the first {word()} items.\"\"\"\n"
        f"    out = [x for x in items if x.get(\"{word()}\")]\n    return out[:limit]\n"
        for j in range(rng.randint(3, 8))
    )
    return f"import json\nimport logging\n\nlog = logging.getLogger(\"svc{i}\")\n{funcs}"


def ts(i):
    funcs = "".join(
        f"\nexport function {word()}{j}(input: Record<string, number>): number {{\n"
        f"  return Object.values(input).reduce((a, b) => a + b, {j});\n}}\n"
        for j in range(rng.randint(3, 8))
    )
    return f"// service {i}\n{funcs}"


def md(i):
    return f"# Service {i}\n\nHandles {word()} and {word()} events. See the runbook for {word()}.\n"


def cfg(i):
    return f"service: svc{i}\nreplicas: {rng.randint(1, 5)}\nfeatures:\n  {word()}: true\n  {word()}: false\n"


kinds = [("go", go)] * 4 + [("py", py)] * 3 + [("ts", ts)] * 2 + [("md", md), ("yaml", cfg)]
for i in range(n):
    ext, make = rng.choice(kinds)
    d = os.path.join(root, "services", f"svc-{i // 20:04d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"file_{i:05d}.{ext}"), "w") as f:
        f.write(make(i))
