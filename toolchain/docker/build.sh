#!/usr/bin/env bash
# Builds pulumi-resource-docker: toolchain/docker/build.sh <out-dir> <plugin-version> (see ../build-plugin.sh).
exec bash "$(dirname "${BASH_SOURCE[0]}")/../build-plugin.sh" docker "$@"
