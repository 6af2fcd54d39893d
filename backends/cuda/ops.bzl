"""The ops that have cuda tactics (backends/cuda/<op>.cc -> //backends/cuda:<op>).

Loaded by BUILD files that link cuda tactics per op (tests/conformance, bench).
"""

load("@local_config_cuda//:defs.bzl", "HAS_CUDA")

# The first slice; the lists below are added per op family.
_CUDA_OPS_CORE = [
    "activation",
    "attention",
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
_CUDA_OPS_NORM = [
    "bit_shift",
    "celu",
    "compare",
    "hardmax",
    "instance_normalization",
    "is_nan_inf",
    "layer_normalization",
    "embedding_layer_norm",
    "logical",
    "lp_normalization",
    "mean_variance_normalization",
    "mod",
    "pointwise_chain",
    "prelu",
    "shrink",
    "where",
]

# Indexing, scatter/gather and data-movement families.
_CUDA_OPS_INDEX = [
    "arg_reduce",
    "cum_sum",
    "depth_to_space",
    "expand",
    "eye_like",
    "gather_elements",
    "gather_nd",
    "one_hot",
    "range",
    "reverse_sequence",
    "scatter_elements",
    "scatter_nd",
    "space_to_depth",
    "tile",
    "top_k",
    "trilu",
]

# Spatial families (resize, sampling, pooling, deconvolution N-D, integer conv/matmul).
_CUDA_OPS_SPATIAL = [
    "conv_integer",
    "deconvolution_nd",
    "grid_sample",
    "lp_pool",
    "matmul_integer",
    "max_unpool",
    "pooling_nd",
    "resize",
    "roi_align",
]

# Recurrent, signal and linear-algebra families.
_CUDA_OPS_SEQ = [
    "det",
    "dft",
    "einsum",
    "gru",
    "lstm",
    "rnn",
    "stft",
    "tf_idf_vectorizer",
]

CUDA_OPS = _CUDA_OPS_CORE + _CUDA_OPS_NORM + _CUDA_OPS_INDEX + _CUDA_OPS_SPATIAL + _CUDA_OPS_SEQ

def cuda_op_deps(op):
    """//backends/cuda:<op> when the toolkit is present and op has cuda tactics, else [].

    The cuda Reformat tactic comes along: the builder inserts Reformat layers
    wherever a tactic runs in NHWC or fp16 next to tensors in another format.
    """
    if not HAS_CUDA or op not in CUDA_OPS:
        return []
    if op == "reformat":
        return ["//backends/cuda:reformat"]
    return ["//backends/cuda:" + op, "//backends/cuda:reformat"]

def cuda_ops_deps(ops):
    """cuda_op_deps for several ops, each target once."""
    deps = []
    for op in ops:
        for d in cuda_op_deps(op):
            if d not in deps:
                deps.append(d)
    return deps
