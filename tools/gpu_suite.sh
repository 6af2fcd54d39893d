#!/usr/bin/env bash
# Runs on the GPU machine from the bundle folder (tools/gpu_bundle.sh):
#   .gpu-bundle/run bash data/gpu_suite.sh [tests|sanitize|node|bench|all]...
# Logs go to $OUT/logs_<steps>.tgz (one file, so they come back; runs of
# different steps may go on at once), a summary to stdout.
set -uo pipefail
out=${OUT:-/tmp/kiln-gpu}
logs=$(mktemp -d)
mkdir -p "$out"
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(all)
want() { for s in "${steps[@]}"; do [ "$s" = "$1" ] || [ "$s" = all ] && return 0; done; return 1; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

# KILN_TESTS / KILN_SANITIZE_TESTS narrow the tests run / sanitized (names
# as in bin/); KILN_NODE_BACKENDS the node suite's backends.
tests=${KILN_TESTS:-$(ls bin | grep -E '_test$' | sort)}

if want tests; then
  # KILN_TEST_JOBS tests at once (default 1: nothing else on the GPU).
  echo "== tests"
  run_test() {
    if timeout "${KILN_TEST_TIMEOUT:-300}" bin/$1 > "$logs/$1.log" 2>&1; then echo "PASS $1"
    else echo "FAIL $1"; grep -E "Failure|MISMATCH|could not run|error" "$logs/$1.log" | head -5
    fi
  }
  export -f run_test; export logs
  printf '%s\n' $tests | xargs -P "${KILN_TEST_JOBS:-1}" -I{} bash -c 'run_test {}' |
    tee "$logs/tests.txt" | grep -v '^PASS'
  echo "tests: $(grep -c '^PASS' "$logs/tests.txt") passed, $(grep -c '^FAIL' "$logs/tests.txt") failed"
  grep -h "\[conformance\] summary" "$logs"/*_test.log | grep "tactic=cuda" > "$logs/cuda_summaries.txt"
  echo "cuda conformance summaries: $(wc -l < "$logs/cuda_summaries.txt")"
fi

if want sanitize; then
  # memcheck and racecheck on every test, in one pool (KILN_SANITIZE_TIMEOUT
  # seconds per run; a run that times out is reported as such, not as clean).
  echo "== compute-sanitizer"
  cs=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
  # KILN_DEADLINE (epoch seconds), when set, bounds the whole pool: later
  # runs are cut to fit and those that cannot start are reported as skipped.
  run_tool() {  # "tool test"
    set -- $1
    local log="$logs/sanitize_$1_$2.log" rc=0 limit=${KILN_SANITIZE_TIMEOUT:-400}
    if [ -n "${KILN_DEADLINE:-}" ]; then
      local left=$((KILN_DEADLINE - $(date +%s)))
      [ $left -lt $limit ] && limit=$left
      if [ $limit -lt 5 ]; then echo "SKIPPED $1 $2 (deadline)"; return; fi
    fi
    timeout "$limit" "$cs" --tool "$1" --error-exitcode 99 bin/$2 > "$log" 2>&1 || rc=$?
    if [ $rc -eq 0 ]; then echo "clean $1 $2"
    elif [ $rc -eq 124 ]; then echo "TIMEOUT $1 $2 ($(grep -c '^\[       OK' "$log") tests finished, $(grep -c '^========= [A-Z]' "$log") error lines)"
    else echo "ERRORS $1 $2 (rc $rc)"; grep -E "^========= [A-Z]|Failure" "$log" | head -8
    fi
  }
  export -f run_tool; export cs logs
  for t in ${KILN_SANITIZE_TESTS:-$tests}; do for tool in ${KILN_SANITIZE_TOOLS:-memcheck racecheck}; do echo "$tool $t"; done; done |
    xargs -P "$(nproc)" -I{} bash -c 'run_tool "{}"' > "$logs/sanitize.txt"
  for tool in ${KILN_SANITIZE_TOOLS:-memcheck racecheck}; do
    echo "$tool: $(grep -c "^clean $tool " "$logs/sanitize.txt") clean, $(grep -c "^ERRORS $tool " "$logs/sanitize.txt") with errors, $(grep -c "^TIMEOUT $tool " "$logs/sanitize.txt") timed out, $(grep -c "^SKIPPED $tool " "$logs/sanitize.txt") skipped"
  done
  grep -v '^clean' "$logs/sanitize.txt"
fi

if want node; then
  echo "== ONNX node suite on cuda"
  mkdir -p /tmp/suite && tar -xzf data/node_suite.tgz -C /tmp/suite
  for backend in ${KILN_NODE_BACKENDS:-cpu_ref cuda}; do
    bin/kiln conformance --suite=/tmp/suite/node --backend=$backend --report="$logs/node_$backend.json" \
      > "$logs/node_$backend.log" 2>&1
    tail -3 "$logs/node_$backend.log"
  done
fi

if want bench; then
  echo "== benchmarks"
  bin/tactic_bench --benchmark_filter="${KILN_BENCH_FILTER:-.}" --benchmark_min_time=0.05 \
    --benchmark_format=console --benchmark_out="$logs/tactic_bench.json" \
    --benchmark_out_format=json 2>&1 | tee "$logs/tactic_bench.txt" | grep -vE "^\s*$" | tail -80
  for prec in "" "--tf32" "--fp16"; do
    name=r50${prec//-/_}
    bin/kiln build --sample=resnet50 --backend=cuda --batch=32 $prec --quiet -o /tmp/$name.plan \
      > "$logs/build$name.log" 2>&1 || { echo "build $prec failed"; tail -3 "$logs/build$name.log"; }
    grep -E "options|reformats|built" "$logs/build$name.log"
    bin/kiln run /tmp/$name.plan --iterations=50 --warmup=10 2>&1 | grep -E "latency|throughput"
  done
  python3 data/peers/torch_resnet50.py --batch 32 2>&1 | tail -6
fi

tag=$(IFS=_; echo "${steps[*]}")
tar -czf "$out/logs_$tag.tgz" -C "$logs" .
