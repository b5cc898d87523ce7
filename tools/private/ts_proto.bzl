"""ts_proto_library: TypeScript from .proto files with protoc and ts-proto."""

# The ts-proto options every generated file is built with. outputSchema
# embeds the file descriptors, which the text-format parser reads.
TS_PROTO_OPTIONS = ",".join([
    "esModuleInterop=true",
    "forceLong=number",
    "useOptionals=all",
    "outputSchema=true",
    "outputServices=false",
    "outputJsonMethods=true",
    "snakeToCamel=true",
    "useExactTypes=false",
    "exportCommonSymbols=false",
])

def _ts_proto_gen_impl(ctx):
    outputs = []
    for src in ctx.files.srcs:
        if not src.short_path.startswith(ctx.label.package + "/"):
            fail("%s: %s is outside the package" % (ctx.label, src.short_path))
        stem = src.short_path[len(ctx.label.package) + 1:-len(".proto")]
        outputs.append(ctx.actions.declare_file(stem + ".ts"))
    plugin = ctx.attr.node_modules + "/.bin/protoc-gen-ts_proto"
    ctx.actions.run_shell(
        command = 'exec protoc "$@"',
        arguments = [
            "--plugin=protoc-gen-ts_proto=" + plugin,
            "--ts_proto_out=" + ctx.bin_dir.path,
            "--ts_proto_opt=" + TS_PROTO_OPTIONS,
            "-I.",
        ] + [f.path for f in ctx.files.srcs],
        inputs = ctx.files.srcs + ctx.files.lockfile,
        outputs = outputs,
        mnemonic = "TsProto",
        progress_message = "Generating TypeScript from %s" % ctx.label,
        use_default_shell_env = True,
    )
    return [DefaultInfo(files = depset(outputs))]

ts_proto_gen = rule(
    implementation = _ts_proto_gen_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".proto"], mandatory = True),
        "node_modules": attr.string(mandatory = True),
        "lockfile": attr.label(allow_files = True),
    },
    doc = "See ts_proto_library in //tools:defs.bzl.",
)
