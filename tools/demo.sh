#!/usr/bin/env bash
# The main job, on the default backend: installs what is missing, then builds
# LeNet-5 with the C++ API, builds a plan for cpu_ref, saves it, loads it and
# runs it, printing the tactics chosen and the latency.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
bazel run -c opt //samples:sample_lenet -- --plan=/tmp/lenet.plan "$@"
