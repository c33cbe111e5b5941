#!/usr/bin/env bash
# Extracts the extra Helm differential corpora at pinned commits into bench/out/corpus (git-ignored;
# nothing of theirs is committed): helm/charts `stable/` (archived, many `ci/*.yaml`) and
# bitnami/charts `bitnami/` (charts that need `bitnami/common`, which Helm cannot render without
# `helm dependency build`). Pass the git directories of clones or mirrors of both repositories.
#
#   bench/helm_corpus.sh HELM_CHARTS_GIT_DIR BITNAMI_CHARTS_GIT_DIR
#   scripts/helm_diff.py ../shared/corpus/prometheus-community-charts ../shared/corpus/grafana-charts \
#       bench/out/corpus/helm-charts bench/out/corpus/bitnami-charts --markdown bench/HELM_DIFF.md
set -euo pipefail
cd "$(dirname "$0")/.."
HELM_CHARTS=390ee6614b4bb0da96b397f9b382e3ddca9f59a4
BITNAMI_CHARTS=5165628ae06697f8f68a670bef7739d93c4b7f44
helm_git=${1:?usage: bench/helm_corpus.sh HELM_CHARTS_GIT_DIR BITNAMI_CHARTS_GIT_DIR}
bitnami_git=${2:?usage: bench/helm_corpus.sh HELM_CHARTS_GIT_DIR BITNAMI_CHARTS_GIT_DIR}
out=bench/out/corpus
rm -rf "$out" && mkdir -p "$out/helm-charts" "$out/bitnami-charts"
git --git-dir="$helm_git" archive "$HELM_CHARTS" stable | tar -x -C "$out/helm-charts"
git --git-dir="$bitnami_git" archive "$BITNAMI_CHARTS" bitnami | tar -x -C "$out/bitnami-charts"
echo "$out/helm-charts $out/bitnami-charts"
