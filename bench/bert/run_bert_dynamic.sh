#!/usr/bin/env bash
# BERT-base, one plan per precision for every (batch, seq) of a profile
# (issue 10), on the GPU machine, from the bundle folder:
#   .gpu-bundle/run bash data/bert/run_bert_dynamic.sh
# Exports BERT-base with dynamic batch and sequence and, per sequence length,
# PyTorch's fp32 references and fp16 peer timings (bert_export.py). Builds ONE
# kiln plan per precision with the profile 1x16 .. BERT_OPT .. 128x384 on all
# three inputs, then runs that plan at every (batch, seq): rel-L2 against
# PyTorch fp32 and latency (kiln run: device-resident bindings, a CUDA graph
# per shape). Profiles the fp16 plan at b128 x seq 128. Logs in
# $OUT/bert_dynamic_logs.tgz.
# Knobs: BERT_SEQS=128,384 BERT_BATCHES=1,128 BERT_PRECISIONS=fp16,fp32
#        BERT_FP32_BATCHES (default BERT_BATCHES: fp32 at b128 takes minutes)
#        BERT_OPT=128x128 BERT_COMPILE=1 BERT_WORK=/tmp/kiln-bert-dyn BERT_REUSE=1
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kiln=$root/bin/kiln
out=${OUT:-/tmp/kiln-bert-out}
work=${BERT_WORK:-/tmp/kiln-bert-dyn}
seqs=${BERT_SEQS:-128,384}
batches=${BERT_BATCHES:-1,128}
opt=${BERT_OPT:-128x128}
logs=$(mktemp -d)
mkdir -p "$out" "$work"
compile=()
[ "${BERT_COMPILE:-0}" = 1 ] && compile=(--compile)
first=""
for s in ${seqs//,/ }; do
  dir=$work/s$s
  mkdir -p "$dir"
  [ -n "$first" ] && [ ! -f "$dir/bert_base.onnx" ] && cp "$first/bert_base.onnx" "$dir/"
  if [ "${BERT_REUSE:-0}" = 1 ] && [ -f "$dir/peers.jsonl" ]; then
    echo "== seq $s: reusing $dir"
  else
    echo "== $(date +%T) export BERT-base (dynamic axes), seq $s, batches $batches; PyTorch fp16 peers"
    timeout 300 python3 "$here/bert_export.py" "$dir" --seq "$s" --batches "$batches" \
      "${compile[@]}" 2>&1 | tee "$logs/export.s$s.log" | grep -v Warning | tail -8
  fi
  cp "$dir/peers.jsonl" "$logs/peers.s$s.jsonl" 2>/dev/null
  [ -z "$first" ] && first=$dir
done
model=$first/bert_base.onnx
profile=""
for n in input_ids attention_mask token_type_ids; do
  profile="$profile${profile:+;}$n:1x16,$opt,128x384"
done
precisions=${BERT_PRECISIONS:-fp16,fp32}
for prec in ${precisions//,/ }; do
  prec_flags=()
  [ "$prec" = fp16 ] && prec_flags=(--fp16)
  plan=$work/bert.$prec.dynamic.plan
  start=$(date +%s%N)
  timeout 400 "$kiln" build "$model" --backend=cuda --profile="$profile" "${prec_flags[@]}" \
    --timing_cache="$work/cache.$prec" -o "$plan" > "$logs/build.$prec.log" 2>&1
  rc=$?
  echo "== $(date +%T) $prec: one plan for $profile: build rc=$rc in $(( ($(date +%s%N) - start) / 1000000 )) ms"
  [ $rc = 0 ] || { tail -5 "$logs/build.$prec.log"; continue; }
  grep -E "layers|attention|embedding" "$logs/build.$prec.log" | head -4 | sed 's/^/   /'
  run_batches=$batches
  [ "$prec" = fp32 ] && run_batches=${BERT_FP32_BATCHES:-$batches}
  for s in ${seqs//,/ }; do
    for b in ${run_batches//,/ }; do
      tag=$prec.b$b.s$s
      dir=$work/s$s
      shapes="input_ids:${b}x$s,attention_mask:${b}x$s,token_type_ids:${b}x$s"
      inputs="input_ids:$dir/b$b.input_ids.npy,attention_mask:$dir/b$b.attention_mask.npy"
      inputs="$inputs,token_type_ids:$dir/b$b.token_type_ids.npy"
      rm -rf "$work/out.$tag"; mkdir -p "$work/out.$tag"
      timeout 120 "$kiln" run "$plan" --backend=cuda --shapes="$shapes" --input="$inputs" \
        --output_dir="$work/out.$tag" --iterations=100 --warmup=10 > "$logs/run.$tag.log" 2>&1
      echo "   $tag: run rc=$? $(grep -E '^latency' "$logs/run.$tag.log")"
      grep -E '^throughput' "$logs/run.$tag.log" | sed 's/^/      /'
      echo "      $(python3 "$here/compare.py" "$work/out.$tag/last_hidden_state.npy" \
        "$dir/b$b.last_hidden_state.npy" 2>&1)"
    done
  done
done
plan=$work/bert.fp16.dynamic.plan
for b in 128 1; do
  [ -f "$plan" ] || break
  shapes="input_ids:${b}x128,attention_mask:${b}x128,token_type_ids:${b}x128"
  timeout 60 "$kiln" profile "$plan" --backend=cuda --shapes="$shapes" --iterations=10 \
    > "$logs/profile.fp16.b$b.s128.txt" 2>&1
  echo "== profile fp16 b$b s128 rc=$?"
  head -24 "$logs/profile.fp16.b$b.s128.txt" | cut -c1-150
  tail -2 "$logs/profile.fp16.b$b.s128.txt"
done
echo "== peers (PyTorch fp16)"
cat "$logs"/peers.s*.jsonl 2>/dev/null
tar -czf "$out/bert_dynamic_logs.tgz" -C "$logs" .
