#!/usr/bin/env bash
# The test command: installs what is missing, then builds and runs every test.
# Tests tagged `gpu` skip themselves (GTEST_SKIP, with the reason) on a
# machine without a CUDA device.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
bazel test //... "$@"
