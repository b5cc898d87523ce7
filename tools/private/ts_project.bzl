"""ts_project: type-checked TypeScript compilation, one Bazel package at a time."""

load(":providers.bzl", "NpmPackageInfo", "TsInfo")

def _relative_to_package(ctx, f):
    prefix = ctx.label.package + "/" if ctx.label.package else ""
    path = f.short_path
    if not path.startswith(prefix):
        fail("%s: source %s is outside package %s; move it or give it its own ts_project" % (
            ctx.label,
            path,
            ctx.label.package,
        ))
    return path[len(prefix):]

def compile_ts(ctx, srcs, deps, data):
    """Compiles `srcs` against `deps`; returns (js files, TsInfo).

    Shared by ts_project, js_test and mocha_test so that every TypeScript
    source goes through the same checked compilation.
    """
    generated = [f for f in srcs if not f.is_source]
    if generated and len(generated) != len(srcs):
        fail("%s: srcs mix checked-in and generated .ts files (%s); give the generated ones their own ts_project" % (
            ctx.label,
            ", ".join([f.short_path for f in generated]),
        ))
    root_dir = ctx.bin_dir.path if generated else "."

    js = []
    dts = []
    for src in srcs:
        if not src.basename.endswith(".ts") or src.basename.endswith(".d.ts"):
            fail("%s: srcs takes .ts files, got %s" % (ctx.label, src.short_path))
        stem = _relative_to_package(ctx, src)[:-len(".ts")]
        js.append(ctx.actions.declare_file(stem + ".js"))
        dts.append(ctx.actions.declare_file(stem + ".d.ts"))

    ts_deps = [d[TsInfo] for d in deps if TsInfo in d]
    npm_direct = [d[NpmPackageInfo] for d in deps if NpmPackageInfo in d]
    allowed = []
    for dep in ts_deps:
        allowed.extend(dep.direct_declarations.to_list())
    transitive_dts = depset(transitive = [d.declarations for d in ts_deps])
    node_modules = ctx.attr.node_modules

    config = ctx.actions.declare_file(ctx.label.name + ".ts_project.json")
    ctx.actions.write(config, json.encode(struct(
        label = str(ctx.label),
        srcs = [f.path for f in srcs],
        outputs = [f.path for f in js + dts],
        allowedFiles = [f.path for f in allowed],
        npm = [struct(name = p.package_name, path = p.path) for p in npm_direct],
        npmTransitive = [
            struct(name = p.package_name, path = p.path)
            for p in depset(transitive = [d.npm for d in ts_deps]).to_list()
        ],
        nodeModules = node_modules,
        tsconfig = ctx.file._tsconfig.path,
        rootDir = root_dir,
        outDir = ctx.bin_dir.path,
        binDir = ctx.bin_dir.path,
    )))
    if srcs:
        ctx.actions.run_shell(
            command = 'exec node "$1" "$2"',
            arguments = [ctx.file._compiler.path, config.path],
            inputs = depset(
                srcs + [config, ctx.file._compiler, ctx.file._tsconfig] +
                [p.lockfile for p in npm_direct],
                transitive = [transitive_dts],
            ),
            outputs = js + dts,
            mnemonic = "TsProject",
            progress_message = "Compiling TypeScript %s" % ctx.label,
            use_default_shell_env = True,
        )

    runfiles = ctx.runfiles(files = js + ctx.files.data)
    for d in deps + data:
        runfiles = runfiles.merge(d[DefaultInfo].default_runfiles)
    for dep in ts_deps:
        runfiles = runfiles.merge(dep.runfiles)

    info = TsInfo(
        declarations = depset(dts, transitive = [transitive_dts]),
        direct_declarations = depset(dts),
        js = depset(js, transitive = [d.js for d in ts_deps]),
        npm = depset(
            [struct(package_name = p.package_name, path = p.path, node_modules = p.node_modules) for p in npm_direct],
            transitive = [d.npm for d in ts_deps],
        ),
        runfiles = runfiles,
    )
    return js, dts, info

def _ts_project_impl(ctx):
    js, dts, info = compile_ts(ctx, ctx.files.srcs, ctx.attr.deps, ctx.attr.data)
    runfiles = info.runfiles.merge(ctx.runfiles(transitive_files = info.js))
    return [
        info,
        DefaultInfo(files = depset(js + dts), runfiles = runfiles),
        OutputGroupInfo(types = depset(dts)),
    ]

# Attributes every rule that compiles TypeScript carries.
COMPILE_ATTRS = {
    "srcs": attr.label_list(
        allow_files = [".ts"],
        doc = "The .ts files of this package to compile (no .d.ts).",
    ),
    "deps": attr.label_list(
        providers = [[TsInfo], [NpmPackageInfo]],
        doc = "ts_project targets and @npm//<package> targets imported by srcs.",
    ),
    "data": attr.label_list(
        allow_files = True,
        doc = "Files needed at run time, placed in runfiles.",
    ),
    "_compiler": attr.label(
        default = "//tools/private:ts_compile.js",
        allow_single_file = True,
    ),
    "_tsconfig": attr.label(
        default = "//:tsconfig.json",
        allow_single_file = True,
    ),
}

ts_project_rule = rule(
    implementation = _ts_project_impl,
    attrs = dict(COMPILE_ATTRS, node_modules = attr.string(mandatory = True)),
    doc = "See ts_project in //tools:defs.bzl.",
)
