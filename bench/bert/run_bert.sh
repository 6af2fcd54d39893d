#!/usr/bin/env bash
# BERT-base end to end on the GPU machine (issue 10), from the bundle folder:
#   .gpu-bundle/run bash data/bert/run_bert.sh
# Exports BERT-base and PyTorch's references and fp16 peer timings
# (bert_export.py), then for each precision and batch builds a kiln plan for
# sequence length BERT_SEQ on cuda, runs it on the same inputs, prints its
# rel-L2 against PyTorch fp32 and its latency (kiln run: wall clock around
# Execute, device-resident bindings, a CUDA graph), and profiles the fp16
# plan at the largest batch. Logs in $OUT/bert_logs.tgz.
# Knobs: BERT_SEQ=128 BERT_BATCHES=1,128 BERT_PRECISIONS=fp16,fp32
#        BERT_COMPILE=1 (time torch.compile too)  BERT_WORK=/tmp/kiln-bert
#        BERT_REUSE=1 (keep an earlier export in BERT_WORK when it is there)
#        BERT_BUILD_ARGS='--disable_passes=fuse-skip-layer-norm' (more kiln build
#        flags) with BERT_TAG=noskip (names this variant's plans and logs)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kiln=$root/bin/kiln
out=${OUT:-/tmp/kiln-bert-out}
work=${BERT_WORK:-/tmp/kiln-bert}
seq=${BERT_SEQ:-128}
batches=${BERT_BATCHES:-1,128}
logs=$(mktemp -d)
mkdir -p "$out" "$work"
compile=()
[ "${BERT_COMPILE:-0}" = 1 ] && compile=(--compile)
have_export=1
for b in ${batches//,/ }; do
  [ -f "$work/b$b.last_hidden_state.npy" ] || have_export=0
done
[ -f "$work/bert_base.onnx" ] || have_export=0
if [ "${BERT_REUSE:-0}" = 1 ] && [ $have_export = 1 ]; then
  echo "== export: reusing $work"
else
  echo "== export BERT-base, seq $seq, batches $batches; PyTorch fp16 peers"
  timeout 240 python3 "$here/bert_export.py" "$work" --seq "$seq" --batches "$batches" \
    "${compile[@]}" 2>&1 | tee "$logs/export.log" | grep -v Warning | tail -8
fi
read -r -a build_args <<< "${BERT_BUILD_ARGS:-}"
variant=${BERT_TAG:+.$BERT_TAG}
cp "$work/peers.jsonl" "$logs/" 2>/dev/null
precisions=${BERT_PRECISIONS:-fp16,fp32}
for prec in ${precisions//,/ }; do
  for b in ${batches//,/ }; do
    tag=$prec.b$b$variant
    plan=$work/bert.$tag.plan
    shapes="input_ids:${b}x$seq,attention_mask:${b}x$seq,token_type_ids:${b}x$seq"
    flags=()
    [ "$prec" = fp16 ] && flags=(--fp16)
    [ "$prec" = tf32 ] && flags=(--tf32)
    start=$(date +%s%N)
    timeout 200 "$kiln" build "$work/bert_base.onnx" --backend=cuda --batch="$b" --shapes="$shapes" \
      "${flags[@]}" "${build_args[@]}" --timing_cache="$work/cache.$prec" --quiet -o "$plan" > "$logs/build.$tag.log" 2>&1
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    echo "== $tag: build rc=$rc in ${ms} ms; $(grep -E 'attention' "$logs/build.$tag.log" | tr -s ' ' | head -2 | tr '\n' ';')"
    [ $rc = 0 ] || { tail -5 "$logs/build.$tag.log"; continue; }
    inputs="input_ids:$work/b$b.input_ids.npy,attention_mask:$work/b$b.attention_mask.npy"
    inputs="$inputs,token_type_ids:$work/b$b.token_type_ids.npy"
    rm -rf "$work/out.$tag"; mkdir -p "$work/out.$tag"
    timeout 120 "$kiln" run "$plan" --backend=cuda --input="$inputs" --output_dir="$work/out.$tag" \
      --iterations=100 --warmup=10 > "$logs/run.$tag.log" 2>&1
    echo "   run rc=$?: $(grep -E '^latency' "$logs/run.$tag.log")"
    grep -E '^throughput' "$logs/run.$tag.log" | sed 's/^/   /'
    echo "   $(python3 "$here/compare.py" "$work/out.$tag/last_hidden_state.npy" \
      "$work/b$b.last_hidden_state.npy" 2>&1)"
  done
done
last=${batches##*,}
if [ -f "$work/bert.fp16.b$last$variant.plan" ]; then
  timeout 60 "$kiln" profile "$work/bert.fp16.b$last$variant.plan" --backend=cuda --iterations=10 \
    --trace="$logs/bert_fp16_b${last}${variant}_trace.json" \
    > "$logs/profile.fp16.b$last$variant.txt" 2>&1
  echo "== profile fp16 b$last$variant rc=$?"
  head -30 "$logs/profile.fp16.b$last$variant.txt" | cut -c1-150
fi
tar -czf "$out/bert_logs$variant.tgz" -C "$logs" .
