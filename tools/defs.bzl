"""Public rules for TypeScript, Node programs, mocha tests and protos.

Attribute names follow aspect's rules_ts / rules_js (ts_project, js_binary,
js_test) so that moving to those rules is a change of load() lines. The
implementations live in //tools/private.

NOTE: npm packages come from the workspace's node_modules (installed by
tools/bazel or by the npm repository rule) and are referenced by absolute
path: actions and launchers are not hermetic with respect to node_modules,
though package-lock.json is an input of every action that uses a package.
"""

load("@npm//:defs.bzl", "NODE_MODULES")
load("//tools/private:js_binary.bzl", "js_binary_rule", "js_test_rule", "mocha_test_rule")
load("//tools/private:ts_project.bzl", "ts_project_rule")
load("//tools/private:ts_proto.bzl", "ts_proto_gen")

# Node is the runtime of every target, so its types are always there.
_IMPLICIT_DEPS = ["@npm//@types/node"]
_TEST_DEPS = ["@npm//@types/mocha"]

def _with(deps, extra):
    return deps + [d for d in extra if d not in deps]

def ts_project(name, srcs = None, deps = [], data = [], **kwargs):
    """Type-checks and compiles the TypeScript sources of one package.

    Emits a .js (CommonJS) and a .d.ts file beside each source under
    bazel-bin. Sources see only the declarations of their declared deps: an
    import of a file or npm package that no dep provides fails the build,
    naming the file:line and the dep to add.

    Args:
      name: string; the target name, usually the package's directory name.
      srcs: list of labels; the .ts files. Default: every .ts file of the
        package except *_test.ts.
      deps: list of labels; ts_project, ts_proto_library and @npm//<package>
        targets that srcs import. @npm//@types/node is always added.
      data: list of labels; files needed at run time (runfiles).
      **kwargs: visibility, tags, testonly and other common attributes.
    """
    if srcs == None:
        srcs = native.glob(["*.ts"], exclude = ["*_test.ts", "*.d.ts"])
    ts_project_rule(
        name = name,
        srcs = srcs,
        deps = _with(deps, _IMPLICIT_DEPS),
        data = data,
        node_modules = NODE_MODULES,
        **kwargs
    )

def js_binary(name, entry_point, srcs = [], deps = [], data = [], args = [], node_args = [], env_defaults = {}, preload = [], **kwargs):
    """A Node program: `bazel run :name -- args`, or bazel-bin/<pkg>/<name>.

    The launcher finds its runfiles next to itself, sets NODE_PATH to the
    workspace's node_modules and runs `node <entry_point> <args> "$@"`.

    Args:
      name: string; the target and launcher name.
      entry_point: string; the .ts file (in srcs or compiled by a dep) whose
        .js is run, relative to this package, e.g. "main.ts".
      srcs: list of labels; extra .ts files compiled with this target.
      deps: list of labels; ts_project targets holding entry_point and the
        code it loads. Their registrations run when their modules load.
      data: list of labels; run-time files.
      args: list of strings; arguments placed before the command line's.
        $(rootpath <label>) expands to the runfiles path of a data file.
      node_args: list of strings; arguments for node itself.
      env_defaults: dict of strings; environment variables the launcher
        exports unless the caller has set them. One the caller set empty
        is removed, so that the program's own default applies.
      preload: list of labels; ts_project targets whose modules load before
        entry_point (node --require), e.g. a provider that registers itself.
      **kwargs: visibility, tags and other common attributes.
    """
    js_binary_rule(
        name = name,
        entry_point = entry_point,
        srcs = srcs,
        deps = _with(deps, _IMPLICIT_DEPS),
        data = data,
        args_prefix = args,
        node_args = node_args,
        env_defaults = env_defaults,
        preload = preload,
        node_modules = NODE_MODULES,
        **kwargs
    )

def js_test(name, entry_point, srcs = [], deps = [], data = [], args = [], node_args = [], env_defaults = {}, preload = [], **kwargs):
    """A Node program run as a test: exit code 0 passes.

    Args:
      name: string; the test name.
      entry_point: string; as in js_binary.
      srcs: list of labels; .ts files compiled with the test.
      deps: list of labels; as in js_binary.
      data: list of labels; run-time files.
      args: list of strings; arguments for the program.
      node_args: list of strings; arguments for node itself.
      env_defaults: dict of strings; environment variables the launcher
        exports unless the caller has set them. One the caller set empty
        is removed, so that the program's own default applies.
      preload: list of labels; as in js_binary.
      **kwargs: size, timeout, tags and other test attributes (not env or env_inherit, which Bazel 4 gives native rules only: use env_defaults).
    """
    js_test_rule(
        name = name,
        entry_point = entry_point,
        srcs = srcs,
        deps = _with(deps, _IMPLICIT_DEPS),
        data = data,
        args_prefix = args,
        node_args = node_args,
        env_defaults = env_defaults,
        preload = preload,
        node_modules = NODE_MODULES,
        **kwargs
    )

def mocha_test(name, srcs = None, deps = [], data = [], mocha_args = [], timeout_ms = 120000, **kwargs):
    """Compiles *_test.ts files and runs them with mocha.

    A failing assertion fails `bazel test`; the test log holds mocha's spec
    report. Tests run with the workspace root inside runfiles as working
    directory, so data files are found at their workspace paths.

    Args:
      name: string; the test name, usually "<package>_test".
      srcs: list of labels; the test files. Default: the package's
        *_test.ts files.
      deps: list of labels; what the tests import. @npm//@types/mocha and
        @npm//@types/node are always added.
      data: list of labels; files the tests read.
      mocha_args: list of strings; extra mocha flags, e.g. ["--grep", "x"].
      timeout_ms: int; mocha's per-test timeout. Default 120000.
      **kwargs: size, timeout, tags and other test attributes.
    """
    if srcs == None:
        srcs = native.glob(["*_test.ts"])
    mocha_test_rule(
        name = name,
        srcs = srcs,
        deps = _with(deps, _IMPLICIT_DEPS + _TEST_DEPS),
        data = data,
        mocha_args = mocha_args,
        timeout_ms = timeout_ms,
        node_modules = NODE_MODULES,
        **kwargs
    )

def ts_proto_library(name, srcs, deps = [], **kwargs):
    """TypeScript messages from .proto files (protoc + ts-proto), compiled.

    Generates <file>.ts for each .proto with encode/decode, JSON methods and
    the embedded file descriptor (`protoMetadata`), then compiles them as a
    ts_project named `name`. protoc runs with the workspace root as include
    path, so imports are written `import "model_search/proto/x.proto";`.

    Args:
      name: string; the ts_project target others depend on.
      srcs: list of labels; .proto files of this package, together (they
        may import each other).
      deps: list of labels; other ts_proto_library targets imported.
      **kwargs: visibility and other common attributes.
    """
    ts_proto_gen(
        name = name + "_gen",
        srcs = srcs,
        node_modules = NODE_MODULES,
        lockfile = "@npm//:package-lock.json",
    )
    ts_project(
        name = name,
        srcs = [":" + name + "_gen"],
        deps = deps + [
            "@npm//@bufbuild/protobuf",
            "@npm//ts-proto-descriptors",
        ],
        **kwargs
    )
