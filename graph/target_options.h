#ifndef KILN_GRAPH_TARGET_OPTIONS_H_
#define KILN_GRAPH_TARGET_OPTIONS_H_

#include <cstdint>

namespace kiln {

// What a build allows every tactic of one plan: BuildConfig's flags and
// budget, recorded once in the plan so a tactic sees the same at load as at
// build (Supports and WorkspaceSize are asked again there).
struct TargetOptions {
  bool allow_tf32 = false;  // fp32 math may use TF32 tensor cores
  bool allow_fp16 = false;  // layers may run in fp16
  // The per-layer workspace budget (BuildConfig.workspace_bytes). Tactics that
  // let a library choose within a budget (cuBLASLt's heuristics) ask within
  // this one. 0: unknown (plans written before it was recorded); such tactics
  // then use their own default.
  uint64_t workspace_limit = 0;
};

}  // namespace kiln

#endif  // KILN_GRAPH_TARGET_OPTIONS_H_
