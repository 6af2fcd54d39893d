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
