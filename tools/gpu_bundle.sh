#!/usr/bin/env bash
# Builds (-c opt) every GPU test, the kiln CLI, the benchmarks (the
# end-to-end one included) and the samples, and packs them with
# tools/gpu_suite.sh, the PyTorch peers, bench/e2e and the ONNX node suite
# into .gpu-bundle/ (gpu-bundle, see DEVELOPERS notes) for the lent GPU
# machine, where `.gpu-bundle/run bash data/gpu_suite.sh` runs the tests and
# `.gpu-bundle/run bash data/e2e/run_e2e.sh` the end-to-end table and
# `.gpu-bundle/run bash data/bert/run_bert.sh` BERT-base. Run from
# the repository root. Binaries link kiln's libraries dynamically
# (--dynamic_mode=fully), so they share one copy of them: statically linked,
# two binaries alone are 40 MB of the 64 MB a device call may carry.
set -euo pipefail
cd "$(dirname "$0")/.."
# KILN_BUNDLE_TARGETS narrows the targets (the whole set packs to about 78
# MB, more than the 64 MiB a device call carries): e.g.
#   KILN_BUNDLE_TARGETS="//tests/conformance:attention_test //tools:kiln //bench:e2e_bench"
if [ -n "${KILN_BUNDLE_TARGETS:-}" ]; then
  targets=$KILN_BUNDLE_TARGETS
else
  tests=$(bazel query 'attr(tags, "gpu", tests(//...))' 2>/dev/null)
  targets="$tests //tools:kiln //bench:tactic_bench //bench:e2e_bench //samples:sample_onnx_digits"
fi
bazel build -c opt --dynamic_mode=fully $targets
bins=()
for t in $targets; do
  path=${t#//}
  bins+=("bazel-out/k8-opt/bin/${path/://}")
done
suite=/usr/share/libonnx-testdata/data/node
tmp=$(mktemp -d)
tar -czf "$tmp/node_suite.tgz" -C "$(dirname "$suite")" node
"${GPU_BUNDLE:-../shared/tools/gpu-bundle}" "${bins[@]}" \
  --data tools/gpu_suite.sh --data bench/peers --data bench/e2e --data bench/bert \
  --data samples/digits \
  --data "$tmp/node_suite.tgz"
rm -rf "$tmp"
du -sh .gpu-bundle
