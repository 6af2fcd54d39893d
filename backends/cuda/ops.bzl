"""The ops that have cuda tactics (backends/cuda/<op>.cc -> //backends/cuda:<op>).

Loaded by BUILD files that link cuda tactics per op (tests/conformance, bench).
"""

load("@local_config_cuda//:defs.bzl", "HAS_CUDA")

# The first slice; the lists below are added per op family.
_CUDA_OPS_CORE = [
    "activation",
    "cast",
    "concatenation",
    "convolution",
    "deconvolution",
    "element_wise",
    "fully_connected",
    "gather",
    "identity",
    "lrn",
    "matmul",
    "padding",
    "pooling",
    "reduce",
    "reformat",
    "scale",
    "shuffle",
    "slice",
    "softmax",
    "unary",
]

# Normalization, activation-like and element-wise families.
_CUDA_OPS_NORM = []

# Indexing, scatter/gather and data-movement families.
_CUDA_OPS_INDEX = []

# Spatial families (resize, sampling, pooling, deconvolution N-D, integer conv/matmul).
_CUDA_OPS_SPATIAL = []

# Recurrent, signal and linear-algebra families.
_CUDA_OPS_SEQ = []

CUDA_OPS = _CUDA_OPS_CORE + _CUDA_OPS_NORM + _CUDA_OPS_INDEX + _CUDA_OPS_SPATIAL + _CUDA_OPS_SEQ

def cuda_op_deps(op):
    """//backends/cuda:<op> when the toolkit is present and op has cuda tactics, else []."""
    return ["//backends/cuda:" + op] if HAS_CUDA and op in CUDA_OPS else []
