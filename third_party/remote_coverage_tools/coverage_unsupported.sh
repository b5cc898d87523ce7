#!/usr/bin/env bash
echo "bazel coverage is not supported: @remote_coverage_tools is a local" \
  "stand-in (third_party/remote_coverage_tools)" >&2
exit 1
