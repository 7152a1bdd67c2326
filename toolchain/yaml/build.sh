#!/usr/bin/env bash
# Builds the Pulumi YAML language host, pulumi-language-yaml, from Go modules:
#
#   toolchain/yaml/build.sh <out-dir> <version>      (e.g. toolchain/yaml/build.sh /tmp/out 1.25.0)
#
# This module's go.mod requires github.com/pulumi/pulumi-yaml at <version> and lifts pulumi's pkg/v3
# and sdk/v3 to the version the pulumi CLI is built at (toolchain/pulumi/go.mod). pulumi-yaml at that
# version was written against an older pulumi, so the build takes a copy of the module from Go's module
# cache, applies patches/*.patch to it (`go build -overlay` may not replace files in the module cache)
# and builds with a temporary go.mod (-modfile) that replaces pulumi-yaml by that copy. Nothing is
# written into the source tree, and go.mod/go.sum are never rewritten (-mod=readonly).
set -euo pipefail

die() { echo "build (yaml): ERROR: $*" >&2; exit 1; }
step() { echo "build (yaml): $*" >&2; }

[ $# -eq 2 ] || die "usage: $0 <out-dir> <version>   (e.g. $0 /tmp/out 1.25.0)"
out_dir=$1
version=${2#v}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "version '$2' is not semver (want e.g. 1.25.0)"
command -v go >/dev/null 2>&1 || die "'go' not found on PATH"
command -v git >/dev/null 2>&1 || die "'git' not found on PATH (it applies the patches)"

src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
module=github.com/pulumi/pulumi-yaml
grep -q "^require $module v$version\$\|^[[:space:]]$module v$version\$" "$src/go.mod" ||
	die "toolchain/yaml/go.mod does not require $module v$version: run 'cd toolchain/yaml && go get $module@v$version && go mod tidy'"

mkdir -p "$out_dir" || die "cannot create output dir $out_dir"
out_dir=$(cd "$out_dir" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/yaml-language-build.XXXXXX") || die "mktemp failed"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

cd "$src"
step "go $(go env GOVERSION), GOMODCACHE=$(go env GOMODCACHE), GOCACHE=$(go env GOCACHE)"

step "[1/3] copying $module@v$version and applying patches/"
# A copy of go.mod/go.sum: `go mod download` may add to go.sum, the build only reads them.
cp go.mod go.sum "$work/"
modir=$(cd "$work" && go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$modir" ] || [ ! -d "$modir" ]; then
	die "cannot download $module@v$version from the Go module proxy"
fi
cp -R "$modir" "$work/pulumi-yaml"
chmod -R u+w "$work/pulumi-yaml"
for patch in "$src"/patches/*.patch; do
	[ -e "$patch" ] || continue
	# GIT_CEILING_DIRECTORIES: git apply works as plain patch(1) here, even if TMPDIR is inside a repository.
	(cd "$work/pulumi-yaml" && GIT_CEILING_DIRECTORIES=$work git apply -p1 "$patch") ||
		die "patches/$(basename "$patch") does not apply to $module@v$version"
done

step "[2/3] writing a go.mod that replaces $module by the patched copy"
go mod edit -modfile="$work/go.mod" -replace "$module=$work/pulumi-yaml"

step "[3/3] building $out_dir/pulumi-language-yaml"
go build -modfile="$work/go.mod" -mod=readonly -trimpath \
	-ldflags "-s -w -X $module/pkg/version.Version=v$version" \
	-o "$work/bin/pulumi-language-yaml" "$module/cmd/pulumi-language-yaml" ||
	die "building pulumi-language-yaml failed (see the go errors above)"
mv -f "$work/bin/pulumi-language-yaml" "$out_dir/pulumi-language-yaml"
step "done: $out_dir/pulumi-language-yaml (v$version)"
