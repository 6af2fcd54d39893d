#!/usr/bin/env bash
# Installs what building and testing kiln needs on a Debian 12 machine, when
# missing. Everything comes from Debian packages: the Bazel build is offline.
# CUDA (/usr/local/cuda) is optional: without it the cuda backend is left out.
set -euo pipefail

packages=(
  bazel-bootstrap bazel-rules-java g++
  libabsl-dev
  libflatbuffers-dev flatbuffers-compiler
  libeigen3-dev
  libgtest-dev libgmock-dev
  libbenchmark-dev libbenchmark-tools
  libprotobuf-dev protobuf-compiler
  libonnx-dev libonnx-testdata
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "kiln setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "kiln setup: all packages present"
fi

# Header-only GPU libraries from PyPI wheels (pinned), unpacked under
# third_party/ (git-ignored) where //third_party:cudnn_frontend finds them.
# Only the cuda backend uses them: without CUDA, or when PyPI cannot be
# reached, the build leaves out the tactics that need them (and says so).
CUDNN_FRONTEND_VERSION=1.32.0
fe_dir=third_party/cudnn_frontend
if [ -d /usr/local/cuda ] && [ ! -f "$fe_dir/include/cudnn_frontend.h" ]; then
  tmp=$(mktemp -d)
  if python3 -m pip download -q --no-deps --dest "$tmp" \
       "nvidia-cudnn-frontend==$CUDNN_FRONTEND_VERSION" >/dev/null 2>&1; then
    mkdir -p "$fe_dir"
    python3 - "$tmp" "$fe_dir" <<'PY'
import glob, sys, zipfile
whl = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(whl) as z:
    for name in z.namelist():
        if name.startswith("include/"):
            z.extract(name, sys.argv[2])
PY
    echo "kiln setup: cuDNN frontend $CUDNN_FRONTEND_VERSION headers in $fe_dir/include"
  else
    echo "kiln setup: could not download nvidia-cudnn-frontend==$CUDNN_FRONTEND_VERSION;" \
         "the cudnn_graph convolution tactics are left out of this build"
  fi
  rm -rf "$tmp"
fi
