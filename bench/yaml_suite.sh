#!/usr/bin/env bash
# Runs secretgate's YAML loader over the official yaml-test-suite (github.com/yaml/yaml-test-suite,
# MIT; the generated `data` branch, pinned below): every valid case must load, every error case
# must be rejected. Writes the table to bench/YAML_SUITE.md.
#
#   bench/yaml_suite.sh GIT_DIR_OF_yaml-test-suite
#
# The repository is not vendored: pass a clone or mirror of it (any that has the pinned commit).
set -euo pipefail
cd "$(dirname "$0")/.."
PINNED=6ad3d2c62885d82fc349026c136ef560838fdf3d
src=${1:?usage: bench/yaml_suite.sh GIT_DIR_OF_yaml-test-suite}
out=bench/out/yaml-test-suite
rm -rf "$out" && mkdir -p "$out"
git --git-dir="$src" archive "$PINNED" | tar -x -C "$out"
cargo run --release --locked -q --example yaml_suite -- "$out" bench/YAML_SUITE.md
