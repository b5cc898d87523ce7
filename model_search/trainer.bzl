"""Macros that turn a data provider library into a search binary and test.

    load("//model_search:trainer.bzl", "model_search_oss_binary", "model_search_oss_test")

    model_search_oss_binary(
        name = "my_data_binary",
        dataset_dep = ":my_data_for_binary",
    )

The provider library registers its provider with `@registerProvider` (and
declares its flags) when its modules load. The binary loads them before the
trainer main parses the command line, so the provider's flags work and
`--help` lists them. With one provider linked in, it is used; with several,
`--phoenix_dataset=<lookup name>` chooses.
"""

load("//tools:defs.bzl", "js_binary", "js_test")

_TRAINER = "//model_search:oss_trainer"
_TRAINER_MAIN = "model_search/oss_trainer.ts"
_CLI = "//model_search:cli_lib"
_CLI_MAIN = "model_search/cli.ts"
_TEST_MAIN = "model_search/oss_trainer_test_main.ts"
# Loaded before the provider: a signal while the modules load is said.
_EARLY_SIGNALS = "//model_search:install_early_signals"
_CONFIGS = "//model_search/configs:configs"

# Node flags of every process that searches. V8 grows its young generation
# from 1 MiB to 16 MiB semi-spaces while a search allocates (each tensor op
# makes short-lived objects), and the pages it grew stay resident: RSS
# climbed for the first dozens of trials (bench/search_overhead). A fixed
# 8 MiB young generation keeps it level and smaller, and trains no slower
# (bench/steps, same run: dnn 3.2-3.4 vs 3.2-4.6 ms per step).
# --expose-gc and --no-concurrent-array-buffer-sweeping: when the search
# restarts the wasm backend to give a large model's memory back
# (--wasm_memory_limit_mb), it collects the old memory at once, and the
# collection frees it before returning (measured after a restart: freed in
# 8 of 8 restarts with the flag, 7 of 8 without). Training is no slower
# with it (bench/steps, same run: cnn 50.0 and 52.9 vs 52.8 and 54.7 ms
# per step).
# Not --optimize-for-size: it keeps RSS lower and more level (a dnn search,
# bench/search_overhead: 106 against 123 MB after trial 5, +5.5% against
# +11.8% by trial 50), but it shrinks the semi-spaces to 1 MiB whatever the
# flags above say and collects far more often: in six alternating runs of
# bench/steps the rnn step took 94 against 68 ms (medians) and the dnn step
# 6.4 against 5.1 ms.
SEARCH_NODE_ARGS = [
    "--min-semi-space-size=8",
    "--max-semi-space-size=8",
    "--expose-gc",
    "--no-concurrent-array-buffer-sweeping",
]

# glibc malloc settings of every process that searches, unless the caller
# sets them. By default glibc raises its mmap threshold to the size of each
# large block freed, so that later weights, batches and file buffers of
# that size come from the heap and leave holes it cannot give back: RSS of
# a dnn search grew by about 19 MB of such native memory over 50 trials.
# Fixed thresholds return large blocks at once (same run: +3 MB; training
# steps no slower). Other C libraries ignore these variables.
SEARCH_ENV_DEFAULTS = {
    "MALLOC_MMAP_THRESHOLD_": "131072",
    "MALLOC_TRIM_THRESHOLD_": "131072",
}

# Attributes every rule takes, then those of tests and of binaries: what a
# macro passes on in **kwargs. Another name is a misspelling, said with
# the closest known one (Bazel would name only the inner rule).
_COMMON_ATTRIBUTES = [
    "compatible_with",
    "deprecation",
    "distribs",
    "exec_compatible_with",
    "exec_properties",
    "features",
    "licenses",
    "restricted_to",
    "tags",
    "target_compatible_with",
    "testonly",
    "toolchains",
    "visibility",
]
_TEST_ATTRIBUTES = ["flaky", "local", "shard_count", "size", "timeout"]
_BINARY_ATTRIBUTES = ["args", "data", "output_licenses"]

def _edit_distance(a, b):
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            current[j] = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (0 if a[i - 1] == b[j - 1] else 1),
            )
        previous = current
    return previous[len(b)]

# The checks below return the message a macro fails with, or None, so that
# trainer_macros_test.bzl can run them on bad calls (a fail() at loading
# time cannot be caught in Starlark).

def _attribute_problem(macro, name, kwargs, known, refused = []):
    """Names an attribute neither known nor refused (with a message of its own)."""
    for attribute in kwargs:
        if attribute in known or attribute in refused:
            continue
        closest = None
        for candidate in known:
            distance = _edit_distance(attribute, candidate)
            if distance <= max(2, len(attribute) // 4) and (closest == None or distance < closest[0]):
                closest = (distance, candidate)
        return "%s(name = %r): no attribute %r%s; it takes %s" % (
            macro,
            name,
            attribute,
            " (did you mean %r?)" % closest[1] if closest else "",
            ", ".join(sorted(known)),
        )
    return None

def _env_problem(macro, name, kwargs, test):
    """env and env_inherit, which Bazel 4 gives native rules only."""
    if "env" in kwargs:
        return "%s(name = %r): env is not an attribute of Bazel 4's Starlark rules; give env_defaults = {...} instead (variables the launcher sets where the environment lacks them)" % (macro, name)
    if "env_inherit" in kwargs:
        return "%s(name = %r): env_inherit is not an attribute of Bazel 4's Starlark rules; %sgive env_defaults = {...}" % (
            macro,
            name,
            "pass --test_env=NAME to bazel test, or " if test else "a binary sees the environment it is run in; ",
        )
    return None

def _dataset_dep_problem(macro, name, dataset_dep):
    if dataset_dep == None:
        return "%s(name = %r): dataset_dep is missing; give the label of the library that registers the data provider" % (macro, name)
    if type(dataset_dep) != "string":
        return "%s(name = %r): dataset_dep must be one label (a string), got %s %r; link one provider library per binary" % (
            macro,
            name,
            type(dataset_dep),
            dataset_dep,
        )
    return None

def _first(problems):
    for problem in problems:
        if problem != None:
            return problem
    return None

def _binary_problem(name, dataset_dep, kwargs):
    """What model_search_oss_binary fails with for these arguments, or None."""
    macro = "model_search_oss_binary"
    return _first([
        _attribute_problem(
            macro,
            name,
            kwargs,
            ["dataset_dep", "node_args", "env_defaults"] + _COMMON_ATTRIBUTES + _BINARY_ATTRIBUTES,
            refused = ["env", "env_inherit"],
        ),
        _env_problem(macro, name, kwargs, test = False),
        _dataset_dep_problem(macro, name, dataset_dep),
    ])

def model_search_oss_binary(name, dataset_dep = None, **kwargs):
    """The trainer main with one data provider library linked in.

    `bazel run :name -- --help` lists every flag, the provider's included.
    The model_search/configs/*.pbtxt files are in its runfiles, so
    `--phoenix_spec_filename=model_search/configs/cnn_config.pbtxt` works
    from any directory.

    Also makes `<name>_cli`: the model_search cli with the same library
    loaded first, so that `blocks` lists the library's own blocks and
    `validate-spec` accepts specs that use them.

    Args:
      name: string; the binary's name.
      dataset_dep: label; a ts_project whose modules register a provider
        with @registerProvider. One label, not a list.
      **kwargs: data, args, visibility, tags and other js_binary attributes.
    """
    problem = _binary_problem(name, dataset_dep, kwargs)
    if problem:
        fail(problem)
    data = kwargs.pop("data", [])
    js_binary(
        name = name,
        entry_point = _TRAINER_MAIN,
        deps = [dataset_dep, _TRAINER],
        preload = [_EARLY_SIGNALS, dataset_dep],
        data = data + [_CONFIGS],
        node_args = SEARCH_NODE_ARGS + kwargs.pop("node_args", []),
        env_defaults = dict(SEARCH_ENV_DEFAULTS, **kwargs.pop("env_defaults", {})),
        **kwargs
    )
    js_binary(
        name = name + "_cli",
        entry_point = _CLI_MAIN,
        deps = [dataset_dep, _CLI],
        preload = [dataset_dep],
        data = [_CONFIGS],
        visibility = kwargs.get("visibility"),
        tags = kwargs.get("tags"),
    )

# The configs in model_search/configs/ by the name before _config.pbtxt.
_PROBLEM_TYPES = ["cnn", "dnn", "rnn_all", "rnn_last"]

def _list_problem(macro, name, attribute, value):
    if value != None and type(value) != "list":
        return "%s(name = %r): %s must be a list, got %s %r" % (
            macro,
            name,
            attribute,
            type(value),
            value,
        )
    return None

def _inside_package(segments):
    """The path of segments with . and .. resolved, or None if it leaves the package."""
    kept = []
    for segment in segments:
        if segment == "..":
            if not kept:
                return None
            kept.pop()
        elif segment not in [".", ""]:
            kept.append(segment)
    return "/".join(kept) if kept else None

def _missing_spec_problem(macro, name, custom_spec):
    """A custom_spec of the calling package that names no file or rule there.

    Bazel would say only "no such target" when it builds the test; a label
    of another package is left to it (that package is not loaded here).
    """
    package = native.package_name()
    file = custom_spec
    if file.startswith("//" + package + ":"):
        file = file[len("//" + package + ":"):]
    elif file.startswith("//") or file.startswith("@"):
        return None
    elif file.startswith(":"):
        file = file[1:]
    segments = file.split("/")
    inside = _inside_package(segments)
    if not file.startswith("/") and ".." in segments and inside != None:
        # Bazel's labels have no .. segments, even where the path stays in
        # the package.
        return "%s(name = %r): custom_spec = %r: a label has no .. segments; give %r" % (
            macro,
            name,
            custom_spec,
            inside,
        )
    if file.startswith("/") or ".." in segments:
        # A path outside the package (or through its parent), which glob()
        # would refuse with its own error, naming neither the macro nor
        # the way out.
        return "%s(name = %r): custom_spec = %r: an absolute path, or one through .., is not a label: give a spec of another package by its label (//pkg:spec.pbtxt, the file listed in exports_files of that package's BUILD file; the ready configs are //model_search/configs:<name>.pbtxt), or copy it beside this BUILD file" % (
            macro,
            name,
            custom_spec,
        )
    if "." in segments or "" in segments:
        return "%s(name = %r): custom_spec = %r: not a label: give the path relative to the BUILD file's directory without ./, // inside or a trailing /, e.g. %r" % (
            macro,
            name,
            custom_spec,
            "/".join([s for s in segments if s not in [".", ""]]),
        )
    if native.existing_rule(file) != None or native.glob([file], allow_empty = True):
        return None
    return "%s(name = %r): custom_spec = %r: package //%s has no file %s and no rule of that name; give the spec's path relative to the BUILD file's directory, or a label such as //pkg:spec.pbtxt" % (
        macro,
        name,
        custom_spec,
        package,
        file,
    )

def _test_problem(name, dataset_dep, problem_type, extra_args, test_data, custom_spec, kwargs):
    """What model_search_oss_test fails with for these arguments, or None."""
    macro = "model_search_oss_test"
    problem = _first([
        _attribute_problem(
            macro,
            name,
            kwargs,
            ["dataset_dep", "problem_type", "extra_args", "test_data", "custom_spec", "node_args", "env_defaults"] +
            _COMMON_ATTRIBUTES + _TEST_ATTRIBUTES,
            # They have their own message below.
            refused = ["args", "data", "env", "env_inherit"],
        ),
        _env_problem(macro, name, kwargs, test = True),
        _dataset_dep_problem(macro, name, dataset_dep),
    ])
    if problem:
        return problem
    for attribute, instead in [("args", "extra_args"), ("data", "test_data")]:
        if attribute in kwargs:
            return "%s(name = %r): give the test's flags and files as %s, not %s (the macro sets %s itself)" % (
                macro,
                name,
                instead,
                attribute,
                attribute,
            )
    problem = _first([
        _list_problem(macro, name, "extra_args", extra_args),
        _list_problem(macro, name, "test_data", test_data),
    ])
    if problem:
        return problem
    if custom_spec != None and (type(custom_spec) != "string" or custom_spec == ""):
        return "%s(name = %r): custom_spec = %r; give the label of a .pbtxt spec, or leave custom_spec out for the config of problem_type" % (macro, name, custom_spec)
    if custom_spec and problem_type != None:
        return "%s(name = %r): give problem_type or custom_spec, not both; custom_spec replaces the problem_type config" % (macro, name)
    if problem_type != None and problem_type not in _PROBLEM_TYPES:
        return "%s(name = %r): problem_type = %r; use one of %s (the configs in model_search/configs/), or give custom_spec" % (
            macro,
            name,
            problem_type,
            ", ".join(["%r" % p for p in _PROBLEM_TYPES]),
        )
    if custom_spec:
        return _missing_spec_problem(macro, name, custom_spec)
    return None

# For trainer_macros_test.bzl: the macros' checks, run without failing.
TRAINER_MACRO_CHECKS = struct(
    binary = _binary_problem,
    test = _test_problem,
)

def model_search_oss_test(
        name,
        dataset_dep = None,
        problem_type = None,
        extra_args = None,
        test_data = None,
        custom_spec = None,
        **kwargs):
    """Runs a one-trial search with the provider and checks its results.

    The test runs the trainer main (the provider linked in as by
    model_search_oss_binary) with
    `--phoenix_spec_filename=model_search/configs/<problem_type>_config.pbtxt`
    (or custom_spec, or neither: the config for the data),
    `--phoenix_batch_size=2`, `--phoenix_train_steps=20`,
    `--phoenix_eval_steps=20`, `--experiment_max_num_trials=1` and a
    `--model_dir` inside the test's temporary directory, then extra_args.
    It passes when the binary exits 0, the trial is COMPLETED in the
    bookkeeping store, the trial directory holds its evaluation metrics
    (loss and accuracy) and a model that loads and scores the first
    evaluation examples alone as in their batch (no block mixes the
    examples of a batch), the provider's 'eval' input, read once more,
    ends within 10,000 batches (one pass), and its batches hold the batch
    size asked for ('eval' but its last batch).

    Args:
      name: string; the test's name.
      dataset_dep: label; the provider library, as in model_search_oss_binary.
      problem_type: string; picks model_search/configs/<problem_type>_config.pbtxt:
        "cnn", "dnn", "rnn_all" (a label for every time step),
        "rnn_last" (one label per sequence). Without it or custom_spec, the
        config for the provider's examples, as the binary picks it
        (cnn for images, dnn for vectors, rnn_last for sequences); not
        both.
      extra_args: list of strings; more flags, e.g.
        ["--filename=${TEST_SRCDIR}/model_search/model_search/data/testdata/x.csv"].
        `${TEST_SRCDIR}` expands to the runfiles root.
      test_data: list of labels; files the flags point at (put in runfiles).
      custom_spec: label; a .pbtxt to use instead of the problem_type config.
      **kwargs: size, timeout, tags and other test attributes.
    """
    problem = _test_problem(name, dataset_dep, problem_type, extra_args, test_data, custom_spec, kwargs)
    if problem:
        fail(problem)
    # Neither: the binary's own choice, the config for the data's examples.
    spec = None
    if problem_type != None:
        spec = "model_search/configs/%s_config.pbtxt" % problem_type
    data = [_CONFIGS] + (test_data or [])
    if custom_spec:
        data.append(custom_spec)
        spec = "$(rootpath %s)" % custom_spec
    args = ([] if spec == None else ["--phoenix_spec_filename=" + spec]) + [
        "--phoenix_batch_size=2",
        "--phoenix_train_steps=20",
        "--phoenix_eval_steps=20",
        "--experiment_max_num_trials=1",
    ] + (extra_args or [])
    js_test(
        name = name,
        entry_point = _TEST_MAIN,
        deps = [dataset_dep, "//model_search:oss_trainer_test_main"],
        preload = [_EARLY_SIGNALS, dataset_dep],
        data = data,
        args = args,
        node_args = SEARCH_NODE_ARGS + kwargs.pop("node_args", []),
        env_defaults = dict(SEARCH_ENV_DEFAULTS, **kwargs.pop("env_defaults", {})),
        size = kwargs.pop("size", "medium"),
        **kwargs
    )
