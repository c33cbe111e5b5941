#!/usr/bin/env bash
# Extract the public repositories secretgate is measured on — the ten of the precision study (issue 9,
# "How to measure") and the GitOps repositories of the secret-graph study (issue 8) — each at a pinned
# commit, from local bare git mirrors. Nothing is downloaded and nothing of these repositories is copied into
# the project: the trees land in OUT_DIR, which the caller chooses.
#
#   bench/fetch_repos.sh OUT_DIR [MIRROR ...]
#
# Each MIRROR is a bare git directory (or a clone) holding the pinned commit, given as one of
#   owner+name=/path/to/git      e.g. bitnami+charts=/srv/mirrors/bitnami+charts/repo
#   owner/name=/path/to/git
#   /path/to/git                 the key is read from the path: a component spelled owner+name,
#                                e.g. /srv/mirrors/istio+istio/repo
# and MIRROR_DIR=/some/dir (no default) adds $MIRROR_DIR/owner+name/repo or $MIRROR_DIR/owner+name for every
# pinned repository found there. A pinned repository with no mirror is skipped and said so; it is an error if
# nothing at all is extracted. Re-running is cheap: a tree already extracted at its pinned commit is kept.
#
# Each repository lands in OUT_DIR/<dest> via `git archive <sha> | tar -x`; the stamp naming where it came from
# is written beside it (OUT_DIR/.<dest>.pinned-commit), so that the scanned tree is exactly the commit's tree.
# The trees are NOT git work trees (no .git): .gitignore files in them are just files.
# Needs: bash, git, tar.
set -euo pipefail

# ---- pinned repositories: owner+name | commit | dest ---------------------------------------------------------
# bitnami/charts — Apache-2.0 (LICENSE.md). ~100 charts built on the `common` library chart; Secrets kept across
#   upgrades through `common.secrets.passwords.manage` / `common.secrets.lookup`. Commit 2026-07-01.
BITNAMI_SHA=5165628ae06697f8f68a670bef7739d93c4b7f44
# helm/charts — Apache-2.0. The archived (deprecated) stable/incubator chart repository: ~300 charts written
#   2016-2020 with inline default passwords, randAlphaNum Secrets, ci/*-values.yaml. Last commit 2021-12-21.
HELM_CHARTS_SHA=390ee6614b4bb0da96b397f9b382e3ddca9f59a4
# prometheus-community/helm-charts — Apache-2.0. kube-prometheus-stack, alertmanager, exporters with
#   credentials in values (datasource passwords, basic auth). Commit 2026-08-22.
PROM_SHA=cf408a290aec489277a94450bb3511432477a53a
# grafana/helm-charts — Apache-2.0. grafana (adminPassword + randAlphaNum with lookup), loki, tempo, mimir
#   (moved out), oncall, k6 operator. Commit 2026-08-20.
GRAFANA_SHA=7a0ab968961a165318ab95ff678908c3b9bc3240
# argoproj/argo-cd — Apache-2.0. Go source + manifests/ (install.yaml, ha/), docs/ with many
#   argocd-cm / argocd-secret samples, `$oidc.clientSecret`-style references, hack/ and test/e2e fixtures.
#   Commit 2026-08-22.
ARGOCD_SHA=37ee0097cf851bc2dd7665fc081bbce61a7e836e
# istio/istio — Apache-2.0. Go source, manifests/charts (base, istiod, gateway), samples/ (addons,
#   bookinfo), testdata with certificates and keys, Go-template YAML outside charts. Commit 2026-08-22.
ISTIO_SHA=86c9f01fd735fb01d8192f5bcaf0d424afb7f14c
# external-secrets/external-secrets — Apache-2.0. The ESO operator: deploy/charts/external-secrets, docs/
#   snippets for every provider (Vault, AWS, GCP, …), e2e suites, Go source with provider clients.
#   Commit 2026-08-08.
ESO_SHA=cc5bfbc2234ace9cb0caff4ea89c435cf517b27b
# kubeflow/manifests — Apache-2.0. Kustomize bases and overlays (common/, applications/, per-component
#   overlays/<variant>/), secretGenerators, MySQL/MinIO defaults (minio/minio123), Dex static passwords.
#   Commit 2026-04-05.
KUBEFLOW_SHA=009c88084074904c7743384ff50d3bd70012ef55
# kubernetes/examples — Apache-2.0. Tutorial manifests (mysql-wordpress, cassandra, guestbook, AI/ML
#   serving), Secrets with demo values, README-driven examples. Commit 2025-10-24.
K8S_EXAMPLES_SHA=279e8e4fe314f6cb7bc55fa3fbc21bbeaa48c0ea
# onedr0p/home-ops — WTFPL. Flux HelmRelease + Kustomization home cluster, 1Password ClusterSecretStore,
#   ExternalSecrets, Talos/bootstrap Jinja templates, .mise/.taskfiles scripts. Commit 2026-08-22.
HOME_OPS_SHA=d9078e4dd52174ad68a4408ca3398f731b2f889e

# isac322/homelab — https://github.com/isac322/homelab — no LICENSE file in the tree (treat as all rights
#   reserved: local measurement input only, never commit any of it).
#   Argo CD: 61 Application + 11 ApplicationSet documents (argocd/apps, argocd/appsets), 46 of them multi-source
#   with a `ref: homelab` source and helm valueFiles `$homelab/values/<app>/<cluster>.yaml` per cluster
#   (backbone, prod; ApplicationSet list generators over {{cluster}}); 8 in-tree charts (charts/*/Chart.yaml)
#   that Applications install by chart name from the owner's published Helm repository;
#   26 ExternalSecret + 1 ClusterExternalSecret documents against ClusterSecretStore `cluster-secrets` (AWS
#   Secrets Manager / Oracle Vault, templated in charts/cluster-secrets) and a Kubernetes-provider store;
#   existingSecret in 9 values files; git-crypt-encrypted files and symlinks in the tree. Commit 2026-08-18.
ISAC_REPO=isac322+homelab
ISAC_SHA=a50cf3b398a22b181f8676c4bdaa198ddbab6b66
ISAC_DEST=isac322-homelab
# ricsanfre/pi-cluster — https://github.com/ricsanfre/pi-cluster — MIT.
#   Flux with two clusters (kubernetes/clusters/{dev,prod}) and kustomize base/overlays/{dev,prod} per app;
#   36 HelmRelease documents whose values come from in-tree values.yaml files through configMapGenerator +
#   spec.valuesFrom (plus overlay patches), 72 Flux Kustomizations; 59 ExternalSecret documents (42 files), all
#   against one HashiCorp Vault ClusterSecretStore `vault-backend` (KV v2, kubernetes auth) with Vault keys in
#   remoteRef.key/property; consumers via secretKeyRef, envFrom, existingSecret. Commit 2026-08-18.
PI_CLUSTER_REPO=ricsanfre+pi-cluster
PI_CLUSTER_SHA=8daabcd53111b3ac2cf85be2d02fda1c3b8f535e
PI_CLUSTER_DEST=pi-cluster

PINNED=(
  "bitnami+charts|$BITNAMI_SHA|bitnami-charts"
  "helm+charts|$HELM_CHARTS_SHA|helm-charts"
  "prometheus-community+helm-charts|$PROM_SHA|prometheus-community-helm-charts"
  "grafana+helm-charts|$GRAFANA_SHA|grafana-helm-charts"
  "argoproj+argo-cd|$ARGOCD_SHA|argo-cd"
  "istio+istio|$ISTIO_SHA|istio"
  "external-secrets+external-secrets|$ESO_SHA|external-secrets"
  "kubeflow+manifests|$KUBEFLOW_SHA|kubeflow-manifests"
  "kubernetes+examples|$K8S_EXAMPLES_SHA|kubernetes-examples"
  "onedr0p+home-ops|$HOME_OPS_SHA|home-ops"
  "$ISAC_REPO|$ISAC_SHA|$ISAC_DEST"
  "$PI_CLUSTER_REPO|$PI_CLUSTER_SHA|$PI_CLUSTER_DEST"
)
# ----------------------------------------------------------------------------------------------------------------

usage() {
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() { echo "fetch_repos: $*" >&2; exit 1; }

[ $# -ge 1 ] || usage
case $1 in -h|--help) usage ;; esac
out=$1; shift
command -v git >/dev/null || die "git is missing"
command -v tar >/dev/null || die "tar is missing"

pinned_key() { # owner+name -> index in PINNED, or nothing
  local i
  for i in "${!PINNED[@]}"; do
    [ "${PINNED[$i]%%|*}" = "$1" ] && { echo "$i"; return; }
  done
}

declare -A mirror=()
add_mirror() { # key path origin
  local key=${1/\//+} path=$2
  [ -n "$(pinned_key "$key")" ] ||
    die "$3: '$key' is not a pinned repository (pinned: $(printf '%s ' "${PINNED[@]%%|*}"))"
  [ -d "$path" ] || die "$3: $path is not a directory"
  mirror[$key]=$path
}

if [ -n "${MIRROR_DIR:-}" ]; then
  [ -d "$MIRROR_DIR" ] || die "MIRROR_DIR=$MIRROR_DIR is not a directory"
  for entry in "${PINNED[@]}"; do
    key=${entry%%|*}
    for cand in "$MIRROR_DIR/$key/repo" "$MIRROR_DIR/$key"; do
      if [ -d "$cand" ]; then mirror[$key]=$cand; break; fi
    done
  done
fi
for arg in "$@"; do
  if [[ $arg == *=* ]]; then
    add_mirror "${arg%%=*}" "${arg#*=}" "argument '$arg'"
  else
    key=
    IFS=/ read -r -a parts <<<"$arg"
    for part in "${parts[@]}"; do
      [[ $part == ?*+?* ]] && key=$part
    done
    [ -n "$key" ] || die "argument '$arg': give owner+name=PATH, or a path with an owner+name component"
    add_mirror "$key" "$arg" "argument '$arg'"
  fi
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=
trap '[ -z "$tmp" ] || rm -rf -- "$tmp"' EXIT
extracted=0
printf '%-34s %-8s %-10s %7s %9s  %s\n' repository commit date files size path
for entry in "${PINNED[@]}"; do
  IFS='|' read -r key sha dest <<<"$entry"
  git_dir=${mirror[$key]:-}
  if [ -z "$git_dir" ]; then
    printf '%-34s %-8s skipped: no mirror given\n' "$key" "${sha:0:8}"
    continue
  fi
  git --git-dir="$git_dir" cat-file -e "$sha^{commit}" 2>/dev/null ||
    die "$key: commit $sha is not in $git_dir (fetch a newer mirror)"
  target=$out/$dest
  stampfile=$out/.$dest.pinned-commit
  stamp="$key $sha"
  if [ -d "$target" ] && [ -f "$stampfile" ] && [ "$(cat "$stampfile")" = "$stamp" ]; then
    state=kept
  else
    if [ -e "$target" ] && [ ! -f "$stampfile" ] && [ -n "$(ls -A "$target")" ]; then
      die "$target exists and was not made by this script; move it away first"
    fi
    tmp=$(mktemp -d "$out/.$dest.XXXXXX")
    # A snapshot mirror may list its largest blobs without holding them (e.g. argo-cd's docs/assets/*.gif):
    # leave those out by name, and say so, rather than fail the whole archive.
    missing=()
    while IFS= read -r path; do missing+=(":(exclude,literal)$path"); done < <(
      git --git-dir="$git_dir" ls-tree -r -z "$sha" |
        while IFS= read -r -d '' line; do
          meta=${line%%$'\t'*}; path=${line#*$'\t'}
          read -r _ type obj <<<"$meta"
          [ "$type" = blob ] || continue
          git --git-dir="$git_dir" cat-file -e "$obj" 2>/dev/null || printf '%s\n' "$path"
        done)
    if [ "${#missing[@]}" -gt 0 ]; then
      echo "fetch_repos: note: $key: ${#missing[@]} blob(s) absent from the mirror, left out:" \
        "$(printf '%s ' "${missing[@]#:(exclude,literal)}")" >&2
      spec=(-- . "${missing[@]}")
    else
      spec=()
    fi
    if ! git --git-dir="$git_dir" archive --format=tar "$sha" "${spec[@]}" | tar -x -C "$tmp"; then
      die "$key: git archive $sha from $git_dir failed"
    fi
    # `git archive` honours export-ignore attributes; say so if the whole tree did not arrive.
    want=$(( $(git --git-dir="$git_dir" ls-tree -r "$sha" | awk '$2 == "blob"' | wc -l) - ${#missing[@]} ))
    got=$(find "$tmp" \( -type f -o -type l \) | wc -l)
    if [ "$want" -ne "$got" ]; then
      echo "fetch_repos: warning: $key: $sha has $want files but $got were extracted (export-ignore?)" >&2
    fi
    [ -e "$target" ] && rm -rf -- "$target"
    mv "$tmp" "$target"
    tmp=
    printf '%s\n' "$stamp" >"$stampfile"
    state=extracted
  fi
  files=$(find "$target" \( -type f -o -type l \) | wc -l)
  size=$(du -sh "$target" | cut -f1)
  date=$(git --git-dir="$git_dir" log -1 --format=%cs "$sha")
  printf '%-34s %-8s %-10s %7s %9s  %s (%s)\n' "$key" "${sha:0:8}" "$date" "$files" "$size" "$target" "$state"
  extracted=$((extracted + 1))
done
[ "$extracted" -gt 0 ] || die "no pinned repository had a mirror; pass owner+name=PATH or set MIRROR_DIR"
