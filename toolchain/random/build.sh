#!/usr/bin/env bash
# Builds pulumi-resource-random: toolchain/random/build.sh <out-dir> <plugin-version> (see ../build-plugin.sh).
exec bash "$(dirname "${BASH_SOURCE[0]}")/../build-plugin.sh" random "$@"
