"""Providers shared by the TypeScript, Node and proto rules."""

TsInfo = provider(
    doc = "What a compiled TypeScript (or plain JS) library gives its dependents.",
    fields = {
        "declarations": "depset of .d.ts files of this target and its deps",
        "direct_declarations": "depset of this target's own .d.ts files",
        "js": "depset of .js files of this target and its deps (runtime)",
        "npm": "depset of NpmPackageInfo-like structs of the npm packages used",
        "runfiles": "runfiles (data files) of this target and its deps",
    },
)

NpmPackageInfo = provider(
    doc = "One npm package installed in the workspace's node_modules.",
    fields = {
        "package_name": "the npm name, e.g. '@tensorflow/tfjs'",
        "path": "absolute path of the package directory",
        "node_modules": "absolute path of the node_modules directory",
        "lockfile": "File: package-lock.json, so that a lock change rebuilds",
    },
)
