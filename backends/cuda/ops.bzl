"""The ops that have cuda tactics (backends/cuda/<op>.cc -> //backends/cuda:<op>).

Loaded by BUILD files that link cuda tactics per op (tests/conformance, bench).
"""

load("@local_config_cuda//:defs.bzl", "HAS_CUDA")

CUDA_OPS = [
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
    "scale",
    "shuffle",
    "slice",
    "softmax",
    "unary",
]

def cuda_op_deps(op):
    """//backends/cuda:<op> when the toolkit is present and op has cuda tactics, else []."""
    return ["//backends/cuda:" + op] if HAS_CUDA and op in CUDA_OPS else []
