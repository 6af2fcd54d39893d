"""cuda_library: compiles .cu files with nvcc (sm_90 and sm_80) into a static archive."""

load("@local_config_cuda//:defs.bzl", "CUDA_PATH", "HAS_CUDA")

CUDA_ARCHS = ["80", "90"]

def cuda_library(name, srcs, hdrs = [], deps = [], copts = [], **kwargs):
    """A cc_library whose .cu sources are compiled by nvcc.

    When the toolkit is absent the library is empty; callers gate on HAS_CUDA.
    """
    if not HAS_CUDA:
        native.cc_library(name = name, hdrs = hdrs, deps = deps, **kwargs)
        return
    gencode = " ".join(["-gencode arch=compute_%s,code=sm_%s" % (a, a) for a in CUDA_ARCHS])
    objs = []
    for src in srcs:
        obj = name + "_" + src.replace("/", "_").replace(".cu", ".o")
        native.genrule(
            name = obj + "_nvcc",
            srcs = [src] + hdrs,
            outs = [obj],
            cmd = ("%s/bin/nvcc -std=c++17 -O3 %s -Xcompiler -fPIC -I. -I$(GENDIR) %s -c $(location %s) -o $@" %
                   (CUDA_PATH, gencode, " ".join(copts), src)),
        )
        objs.append(obj)
    native.cc_library(
        name = name,
        srcs = objs,
        hdrs = hdrs,
        deps = deps + ["@local_config_cuda//:cuda"],
        alwayslink = True,
        **kwargs
    )
