"""Tests of the checks model_search_oss_binary and model_search_oss_test make.

The macros fail() at loading time on a bad call, which no Starlark code can
catch; they take their message from TRAINER_MACRO_CHECKS, which this file
runs on bad calls while the package loads. The test target passes when
every message is the expected one, and prints each difference otherwise.
"""

load("//model_search:trainer.bzl", "TRAINER_MACRO_CHECKS")

def _expectations_test_impl(ctx):
    if len(ctx.attr.got) != len(ctx.attr.want) or len(ctx.attr.got) != len(ctx.attr.cases):
        fail("%s: cases, got and want differ in length" % ctx.label)
    differences = []
    for case, got, want in zip(ctx.attr.cases, ctx.attr.got, ctx.attr.want):
        if got != want:
            differences.append("%s\n  got:  %s\n  want: %s" % (case, got, want))
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    if differences:
        # A quoted here-document: the messages are printed as they are.
        text = "#!/usr/bin/env bash\ncat <<'END_OF_DIFFERENCES'\n%s\nEND_OF_DIFFERENCES\nexit 1\n" % (
            "\n".join(differences)
        )
    else:
        text = "#!/usr/bin/env bash\necho '%d macro checks give the expected messages'\n" % len(ctx.attr.cases)
    ctx.actions.write(script, text, is_executable = True)
    return [DefaultInfo(executable = script)]

_expectations_test = rule(
    implementation = _expectations_test_impl,
    attrs = {
        "cases": attr.string_list(),
        "got": attr.string_list(),
        "want": attr.string_list(),
    },
    test = True,
)

# What a passing call gives, as a string attribute can hold it.
_NONE = "(no problem)"

def _binary(**arguments):
    name = arguments.pop("name", "b")
    dataset_dep = arguments.pop("dataset_dep", None)
    return TRAINER_MACRO_CHECKS.binary(name, dataset_dep, arguments) or _NONE

def _test(**arguments):
    name = arguments.pop("name", "t")
    return TRAINER_MACRO_CHECKS.test(
        name,
        arguments.pop("dataset_dep", None),
        arguments.pop("problem_type", None),
        arguments.pop("extra_args", None),
        arguments.pop("test_data", None),
        arguments.pop("custom_spec", None),
        arguments,
    ) or _NONE

def trainer_macros_test(name):
    """The test target: each bad call next to the message it must give."""
    binary = "model_search_oss_binary(name = \"b\"): "
    test = "model_search_oss_test(name = \"t\"): "
    binary_attributes = ("args, compatible_with, data, dataset_dep, deprecation, distribs, env_defaults, " +
                         "exec_compatible_with, exec_properties, features, licenses, node_args, output_licenses, " +
                         "restricted_to, tags, target_compatible_with, testonly, toolchains, visibility")
    test_attributes = ("compatible_with, custom_spec, dataset_dep, deprecation, distribs, env_defaults, exec_compatible_with, exec_properties, extra_args, features, flaky, licenses, local, node_args, problem_type, restricted_to, shard_count, size, tags, target_compatible_with, test_data, testonly, timeout, toolchains, visibility")
    cases = [
        ("binary: a provider library and the usual attributes", _binary(dataset_dep = ":p", data = [], args = ["--x"], visibility = ["//visibility:public"]), _NONE),
        ("binary: a misspelled attribute", _binary(dataset_dep = ":p", datta = []), binary + "no attribute \"datta\" (did you mean \"data\"?); it takes " + binary_attributes),
        ("binary: a test attribute", _binary(dataset_dep = ":p", size = "small"), binary + "no attribute \"size\"; it takes " + binary_attributes),
        ("binary: env", _binary(dataset_dep = ":p", env = {"A": "1"}), binary + "env is not an attribute of Bazel 4's Starlark rules; give env_defaults = {...} instead (variables the launcher sets where the environment lacks them)"),
        ("binary: env_inherit", _binary(dataset_dep = ":p", env_inherit = ["HOME"]), binary + "env_inherit is not an attribute of Bazel 4's Starlark rules; a binary sees the environment it is run in; give env_defaults = {...}"),
        ("test: env", _test(dataset_dep = ":p", env = {"A": "1"}), test + "env is not an attribute of Bazel 4's Starlark rules; give env_defaults = {...} instead (variables the launcher sets where the environment lacks them)"),
        ("test: env_inherit", _test(dataset_dep = ":p", env_inherit = ["HOME"]), test + "env_inherit is not an attribute of Bazel 4's Starlark rules; pass --test_env=NAME to bazel test, or give env_defaults = {...}"),
        ("test: env_defaults", _test(dataset_dep = ":p", env_defaults = {"A": "1"}), _NONE),
        ("binary: no dataset_dep", _binary(), binary + "dataset_dep is missing; give the label of the library that registers the data provider"),
        ("binary: dataset_dep a list", _binary(dataset_dep = [":p"]), binary + "dataset_dep must be one label (a string), got list [\":p\"]; link one provider library per binary"),
        ("test: the usual attributes", _test(dataset_dep = ":p", problem_type = "dnn", extra_args = ["--x=1"], test_data = [":f"], size = "small", tags = ["x"]), _NONE),
        ("test: neither problem_type nor custom_spec", _test(dataset_dep = ":p"), _NONE),
        ("test: custom_spec, a file of the package", _test(dataset_dep = ":p", custom_spec = ":trainer.bzl"), _NONE),
        ("test: custom_spec, a file by its path", _test(dataset_dep = ":p", custom_spec = "meta/distillation.ts"), _NONE),
        ("test: custom_spec, a rule of the package", _test(dataset_dep = ":p", custom_spec = "//model_search:core"), _NONE),
        ("test: custom_spec, another package's", _test(dataset_dep = ":p", custom_spec = "//model_search/configs:nowhere.pbtxt"), _NONE),
        ("test: custom_spec names no file", _test(dataset_dep = ":p", custom_spec = ":spec.pbtxt"), test + "custom_spec = \":spec.pbtxt\": package //model_search has no file spec.pbtxt and no rule of that name; give the spec's path relative to the BUILD file's directory, or a label such as //pkg:spec.pbtxt"),
        ("test: args instead of extra_args", _test(dataset_dep = ":p", args = ["--x"]), test + "give the test's flags and files as extra_args, not args (the macro sets args itself)"),
        ("test: data instead of test_data", _test(dataset_dep = ":p", data = [":f"]), test + "give the test's flags and files as test_data, not data (the macro sets data itself)"),
        ("test: a misspelled attribute", _test(dataset_dep = ":p", extra_arg = []), test + "no attribute \"extra_arg\" (did you mean \"extra_args\"?); it takes " + test_attributes),
        ("test: extra_args a string", _test(dataset_dep = ":p", extra_args = "--x=1"), test + "extra_args must be a list, got string \"--x=1\""),
        ("test: test_data a label", _test(dataset_dep = ":p", test_data = ":f"), test + "test_data must be a list, got string \":f\""),
        ("test: custom_spec, an absolute path", _test(dataset_dep = ":p", custom_spec = "/tmp/spec.pbtxt"), test + "custom_spec = \"/tmp/spec.pbtxt\": an absolute path, or one through .., is not a label: give a spec of another package by its label (//pkg:spec.pbtxt, the file listed in exports_files of that package's BUILD file; the ready configs are //model_search/configs:<name>.pbtxt), or copy it beside this BUILD file"),
        ("test: custom_spec, a path up", _test(dataset_dep = ":p", custom_spec = "../other/spec.pbtxt"), test + "custom_spec = \"../other/spec.pbtxt\": an absolute path, or one through .., is not a label: give a spec of another package by its label (//pkg:spec.pbtxt, the file listed in exports_files of that package's BUILD file; the ready configs are //model_search/configs:<name>.pbtxt), or copy it beside this BUILD file"),
        ("test: custom_spec through .. staying in the package", _test(dataset_dep = ":p", custom_spec = "sub/../spec.pbtxt"), test + "custom_spec = \"sub/../spec.pbtxt\": a label has no .. segments; give \"spec.pbtxt\""),
        ("test: custom_spec through .. leaving the package", _test(dataset_dep = ":p", custom_spec = "sub/../../spec.pbtxt"), test + "custom_spec = \"sub/../../spec.pbtxt\": an absolute path, or one through .., is not a label: give a spec of another package by its label (//pkg:spec.pbtxt, the file listed in exports_files of that package's BUILD file; the ready configs are //model_search/configs:<name>.pbtxt), or copy it beside this BUILD file"),
        ("test: custom_spec with ./", _test(dataset_dep = ":p", custom_spec = "./spec.pbtxt"), test + "custom_spec = \"./spec.pbtxt\": not a label: give the path relative to the BUILD file's directory without ./, // inside or a trailing /, e.g. \"spec.pbtxt\""),
        ("test: custom_spec with a trailing /", _test(dataset_dep = ":p", custom_spec = "sub/spec.pbtxt/"), test + "custom_spec = \"sub/spec.pbtxt/\": not a label: give the path relative to the BUILD file's directory without ./, // inside or a trailing /, e.g. \"sub/spec.pbtxt\""),
        ("test: custom_spec empty", _test(dataset_dep = ":p", custom_spec = ""), test + "custom_spec = \"\"; give the label of a .pbtxt spec, or leave custom_spec out for the config of problem_type"),
        ("test: problem_type and custom_spec", _test(dataset_dep = ":p", problem_type = "cnn", custom_spec = ":s.pbtxt"), test + "give problem_type or custom_spec, not both; custom_spec replaces the problem_type config"),
        ("test: rnn_all", _test(dataset_dep = ":p", problem_type = "rnn_all"), _NONE),
        ("test: an unknown problem_type", _test(dataset_dep = ":p", problem_type = "CNN"), test + "problem_type = \"CNN\"; use one of \"cnn\", \"dnn\", \"rnn_all\", \"rnn_last\" (the configs in model_search/configs/), or give custom_spec"),
        ("test: no dataset_dep", _test(problem_type = "cnn"), test + "dataset_dep is missing; give the label of the library that registers the data provider"),
    ]
    _expectations_test(
        name = name,
        cases = [c[0] for c in cases],
        got = [c[1] for c in cases],
        want = [c[2] for c in cases],
        size = "small",
    )
