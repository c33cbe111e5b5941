#!/usr/bin/env bash
# Extract the public GitOps repositories used to measure the secret graph (ExternalSecret <-> SecretStore <->
# remote key <-> consumer, plus Argo CD / Flux Helm release discovery), each at a pinned commit, from local bare
# git mirrors. Nothing is downloaded and nothing of these repositories is copied into the project: the trees
# land in OUT_DIR, which the caller chooses.
#
#   bench/gitops_repos.sh OUT_DIR [MIRROR ...]
#
# Each MIRROR is a bare git directory (or a clone) holding the pinned commit, given as one of
#   owner+name=/path/to/git      e.g. ricsanfre+pi-cluster=/srv/mirrors/ricsanfre+pi-cluster/repo
#   owner/name=/path/to/git
#   /path/to/git                 the key is read from the path: its last component spelled owner+name,
#                                e.g. /srv/mirrors/isac322+homelab/repo
# and MIRROR_DIR=/some/dir (no default) adds $MIRROR_DIR/owner+name/repo or $MIRROR_DIR/owner+name for every
# pinned repository found there. A pinned repository with no mirror is skipped and said so; it is an error if
# nothing at all is extracted. Re-running is cheap: a tree already extracted at its pinned commit is kept.
#
# Each repository lands in OUT_DIR/<dest> (dest below) via `git archive <sha> | tar -x`, with a .pinned-commit
# file naming where it came from. Needs: bash, git, tar.
set -euo pipefail

# ---- pinned repositories: owner+name | commit | dest ---------------------------------------------------------
# onedr0p/home-ops — https://github.com/onedr0p/home-ops — WTFPL.
#   The baseline already in ../shared/corpus/home-ops: Flux (HelmRelease + Kustomization), one cluster,
#   ~36 ExternalSecrets against a 1Password ClusterSecretStore. Commit 2026-08-22.
HOME_OPS_REPO=onedr0p+home-ops
HOME_OPS_SHA=d9078e4dd52174ad68a4408ca3398f731b2f889e
HOME_OPS_DEST=home-ops
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
  "$HOME_OPS_REPO|$HOME_OPS_SHA|$HOME_OPS_DEST"
  "$ISAC_REPO|$ISAC_SHA|$ISAC_DEST"
  "$PI_CLUSTER_REPO|$PI_CLUSTER_SHA|$PI_CLUSTER_DEST"
)
# ----------------------------------------------------------------------------------------------------------------

usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() { echo "gitops_repos: $*" >&2; exit 1; }

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
printf '%-22s %-8s %-10s %7s %9s  %s\n' repository commit date files size path
for entry in "${PINNED[@]}"; do
  IFS='|' read -r key sha dest <<<"$entry"
  git_dir=${mirror[$key]:-}
  if [ -z "$git_dir" ]; then
    printf '%-22s %-8s skipped: no mirror given\n' "$key" "${sha:0:8}"
    continue
  fi
  git --git-dir="$git_dir" cat-file -e "$sha^{commit}" 2>/dev/null ||
    die "$key: commit $sha is not in $git_dir (fetch a newer mirror)"
  target=$out/$dest
  stamp="$key $sha"
  if [ -f "$target/.pinned-commit" ] && [ "$(cat "$target/.pinned-commit")" = "$stamp" ]; then
    state=kept
  else
    if [ -e "$target" ] && [ ! -f "$target/.pinned-commit" ] && [ -n "$(ls -A "$target")" ]; then
      die "$target exists and was not made by this script; move it away first"
    fi
    tmp=$(mktemp -d "$out/.$dest.XXXXXX")
    if ! git --git-dir="$git_dir" archive --format=tar "$sha" | tar -x -C "$tmp"; then
      die "$key: git archive $sha from $git_dir failed (a blob missing from the mirror?)"
    fi
    # `git archive` honours export-ignore attributes; make sure the whole tree arrived.
    want=$(git --git-dir="$git_dir" ls-tree -r "$sha" | awk '$2 == "blob"' | wc -l)
    got=$(find "$tmp" \( -type f -o -type l \) | wc -l)
    if [ "$want" -ne "$got" ]; then
      die "$key: $sha has $want files but $got were extracted"
    fi
    printf '%s\n' "$stamp" >"$tmp/.pinned-commit"
    [ -e "$target" ] && rm -rf -- "$target"
    mv "$tmp" "$target"
    tmp=
    state=extracted
  fi
  files=$(find "$target" \( -type f -o -type l \) ! -name .pinned-commit | wc -l)
  size=$(du -sh "$target" | cut -f1)
  date=$(git --git-dir="$git_dir" log -1 --format=%cs "$sha")
  printf '%-22s %-8s %-10s %7s %9s  %s (%s from %s)\n' "$key" "${sha:0:8}" "$date" "$files" "$size" \
    "$target" "$state" "$git_dir"
  extracted=$((extracted + 1))
done
[ "$extracted" -gt 0 ] || die "no pinned repository had a mirror; pass owner+name=PATH or set MIRROR_DIR"

# What each tree holds for the secret graph: top-level documents by kind, counted per YAML file.
echo
printf '%-16s %6s %6s %6s %6s %6s %6s %6s\n' tree ExtSec Store CStore ArgoApp AppSet HelmRel Chart
for entry in "${PINNED[@]}"; do
  IFS='|' read -r key sha dest <<<"$entry"
  [ -f "$out/$dest/.pinned-commit" ] || continue
  [ -n "${mirror[$key]:-}" ] || continue
  n() { grep -rhE "^kind: *$1 *\$" "$out/$dest" --include='*.yaml' --include='*.yml' 2>/dev/null | wc -l; }
  printf '%-16s %6s %6s %6s %6s %6s %6s %6s\n' "$dest" "$(n ExternalSecret)" "$(n SecretStore)" \
    "$(n ClusterSecretStore)" "$(n Application)" "$(n ApplicationSet)" "$(n HelmRelease)" \
    "$(find "$out/$dest" -name Chart.yaml | wc -l)"
done
