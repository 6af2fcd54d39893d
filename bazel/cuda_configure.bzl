"""Finds a local CUDA toolkit (default /usr/local/cuda, or $CUDA_PATH).

Creates @local_config_cuda with:
  //:defs.bzl  HAS_CUDA = True/False, CUDA_PATH
  //:cuda      cudart + cuDNN + cuBLAS/cuBLASLt headers and libraries (empty when absent)
On a machine without CUDA the repository still exists, so the rest of the build
works with the cuda backend left out.
"""

def _cuda_configure_impl(ctx):
    cuda_path = ctx.os.environ.get("CUDA_PATH", "/usr/local/cuda")
    has_cuda = ctx.path(cuda_path + "/bin/nvcc").exists and ctx.path(cuda_path + "/include/cuda_runtime.h").exists
    ctx.file("defs.bzl", "HAS_CUDA = %s\nCUDA_PATH = \"%s\"\n" % (has_cuda, cuda_path))
    if has_cuda:
        ctx.symlink(cuda_path + "/include", "include")
        libdir = cuda_path + "/lib64"
        if not ctx.path(libdir).exists:
            libdir = cuda_path + "/lib"
        build = """
package(default_visibility = ["//visibility:public"])
cc_library(
    name = "cuda",
    hdrs = glob(["include/**/*.h", "include/**/*.hpp", "include/**/*.cuh"], allow_empty = True),
    includes = ["include"],
    linkopts = ["-L{libdir}", "-Wl,-rpath,{libdir}", "-lcudnn", "-lcublasLt", "-lcublas", "-lcudart", "-ldl", "-lpthread", "-lrt"],
)
""".format(libdir = libdir)
    else:
        build = """
package(default_visibility = ["//visibility:public"])
cc_library(name = "cuda")
"""
    ctx.file("BUILD.bazel", build)

cuda_configure = repository_rule(
    implementation = _cuda_configure_impl,
    environ = ["CUDA_PATH"],
    local = True,
)
