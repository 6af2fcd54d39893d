#!/usr/bin/env bash
# Builds (-c opt) every GPU test, the kiln CLI, the benchmarks and the
# samples, and packs them with tools/gpu_suite.sh, the PyTorch peers and the
# ONNX node suite into .gpu-bundle/ (gpu-bundle, see DEVELOPERS notes) for
# the lent GPU machine, where `.gpu-bundle/run bash data/gpu_suite.sh` runs
# them all. Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
tests=$(bazel query 'attr(tags, "gpu", tests(//...))' 2>/dev/null)
bazel build -c opt $tests //tools:kiln //bench:tactic_bench //samples:sample_onnx_digits
bins=()
for t in $tests //tools:kiln //bench:tactic_bench //samples:sample_onnx_digits; do
  path=${t#//}
  bins+=("bazel-bin/${path/://}")
done
suite=/usr/share/libonnx-testdata/data/node
tmp=$(mktemp -d)
tar -czf "$tmp/node_suite.tgz" -C "$(dirname "$suite")" node
"${GPU_BUNDLE:-../shared/tools/gpu-bundle}" "${bins[@]}" \
  --data tools/gpu_suite.sh --data bench/peers --data samples/digits --data "$tmp/node_suite.tgz"
rm -rf "$tmp"
du -sh .gpu-bundle
