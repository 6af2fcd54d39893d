"""flatbuffer_cc_library: runs the system flatc on a schema inside the build."""

def flatbuffer_cc_library(name, src, **kwargs):
    base = src.split("/")[-1].replace(".fbs", "")
    out = base + "_generated.h"
    native.genrule(
        name = name + "_flatc",
        srcs = [src],
        outs = [out],
        cmd = "flatc --cpp --scoped-enums -o $(@D) $(location %s)" % src,
    )
    native.cc_library(
        name = name,
        hdrs = [out],
        # Weight blobs are 64-byte aligned (force_align: 64); flatbuffers caps
        # alignment at 32 unless told otherwise.
        defines = ["FLATBUFFERS_MAX_ALIGNMENT=64"],
        deps = ["//third_party:flatbuffers"],
        **kwargs
    )
