"""Repositories kiln needs, all local: call kiln_dependencies() from WORKSPACE.

kiln's own WORKSPACE calls it with the default path. A monorepo that depends on
kiln calls it with the path of its kiln checkout:

    local_repository(name = "kiln", path = "third_party/kiln")
    load("@kiln//bazel:deps.bzl", "kiln_dependencies")
    kiln_dependencies(kiln_path = "third_party/kiln")

Skip a repository your workspace already defines with e.g. with_rules_cc = False.
"""

load("//bazel:cuda_configure.bzl", "cuda_configure")

def kiln_dependencies(
        kiln_path = ".",
        with_rules_cc = True,
        with_rules_java = True,
        with_platforms = True,
        with_remote_coverage_tools = True):
    if with_rules_cc:
        native.local_repository(
            name = "rules_cc",
            path = kiln_path + "/third_party/rules_cc",
        )
    if with_rules_java:
        native.local_repository(
            name = "rules_java",
            path = "/usr/share/bazel/rules/java",
        )
    if with_platforms:
        native.local_repository(
            name = "platforms",
            path = "/usr/share/bazel/platforms",
        )
    if with_remote_coverage_tools:
        native.local_repository(
            name = "remote_coverage_tools",
            path = kiln_path + "/third_party/remote_coverage_tools",
        )
    native.new_local_repository(
        name = "eigen",
        build_file = "@kiln//third_party:eigen.BUILD" if kiln_path != "." else "//third_party:eigen.BUILD",
        path = "/usr/include/eigen3",
    )
    cuda_configure(name = "local_config_cuda")
