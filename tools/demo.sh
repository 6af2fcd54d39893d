#!/usr/bin/env bash
# The main job, on the default backend (cuda when a GPU and the cuda backend
# are present, else cpu_ref): installs what is missing, then imports the digits
# CNN (trained with PyTorch on scikit-learn's handwritten digits) from ONNX,
# builds and serializes a plan, loads it, runs the 360-image held-out split and
# prints accuracy and latency.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
bazel run -c opt //samples:sample_onnx_digits -- "$@"
