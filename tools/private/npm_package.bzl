"""npm_package: one installed npm package as a dependency target."""

load(":providers.bzl", "NpmPackageInfo", "TsInfo")

def _npm_package_impl(ctx):
    info = NpmPackageInfo(
        package_name = ctx.attr.package_name,
        path = ctx.attr.path,
        node_modules = ctx.attr.node_modules,
        lockfile = ctx.file.lockfile,
    )
    return [
        info,
        TsInfo(
            declarations = depset([ctx.file.lockfile]),
            direct_declarations = depset(),
            js = depset(),
            npm = depset([struct(
                package_name = ctx.attr.package_name,
                path = ctx.attr.path,
                node_modules = ctx.attr.node_modules,
            )]),
            runfiles = ctx.runfiles(),
        ),
        DefaultInfo(files = depset([ctx.file.lockfile])),
    ]

npm_package = rule(
    implementation = _npm_package_impl,
    doc = "An npm package from the workspace's node_modules (made by npm_repository).",
    attrs = {
        "package_name": attr.string(mandatory = True),
        "path": attr.string(mandatory = True),
        "node_modules": attr.string(mandatory = True),
        "lockfile": attr.label(allow_single_file = True, mandatory = True),
    },
)
