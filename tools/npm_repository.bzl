"""Public API: npm packages as Bazel targets. See private/npm_repository.bzl."""

load("//tools/private:npm_repository.bzl", _npm_repository = "npm_repository")

npm_repository = _npm_repository
