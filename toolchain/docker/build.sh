#!/usr/bin/env bash
# Builds the Pulumi resource plugin for the "docker" package (pulumi-docker 5.x
# API) from source: the Terraform docker provider through the bridge, plus
# railstack's own implementation of the native docker:index/image:Image.
#
#   toolchain/docker/build.sh <out-dir> <plugin-version>
#
# 1. builds the schema generator (cmd/pulumi-tfgen-docker),
# 2. runs it to write schema.json + bridge-metadata.json into a temporary dir,
# 3. stamps the version into the schema (cmd/embed-schema),
# 4. builds <out-dir>/pulumi-resource-docker, embedding both files through a
#    `go build -overlay` (nothing is written into the source tree).
#
# Go's module and build caches (GOMODCACHE/GOCACHE, as configured) are reused,
# so a second build is mostly cache hits. See README.md for why this exists.
set -euo pipefail

die() { echo "build.sh (docker plugin): ERROR: $*" >&2; exit 1; }
step() { echo "build.sh (docker plugin): $*" >&2; }

[ $# -eq 2 ] || die "usage: $0 <out-dir> <plugin-version>   (e.g. $0 /tmp/out 5.2.0)"
out_dir=$1
version=${2#v}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] \
	|| die "plugin version '$2' is not semver (want e.g. 5.2.0)"
command -v go >/dev/null 2>&1 || die "'go' not found on PATH"

src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out_dir" || die "cannot create output dir $out_dir"
out_dir=$(cd "$out_dir" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/docker-plugin-build.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$work"' EXIT

cd "$src"
ldflags="-s -w -X railstack.local/toolchain/docker/provider.Version=$version"
# -mod=readonly: never rewrite go.mod/go.sum during a build; a stale go.sum is
# an error to fix with `go mod tidy`, not something to patch silently.
# no_compose: upstream's build tag that leaves out its docker_compose resource
# (plugin-framework half, not part of this package), and with it
# github.com/docker/compose/v2, which saves a lot of compile time.
gobuild() { go build -mod=readonly -trimpath -tags no_compose "$@"; }

step "go $(go env GOVERSION), GOMODCACHE=$(go env GOMODCACHE), GOCACHE=$(go env GOCACHE)"

step "[1/4] building pulumi-tfgen-docker"
gobuild -ldflags "$ldflags" -o "$work/bin/pulumi-tfgen-docker" ./cmd/pulumi-tfgen-docker \
	|| die "building the schema generator failed (see the go errors above)"
gobuild -o "$work/bin/embed-schema" ./cmd/embed-schema \
	|| die "building embed-schema failed"

step "[2/4] generating the Pulumi schema"
# The generator reads resource descriptions from the upstream module's docs/.
upstream_dir=$(go list -mod=readonly -m -f '{{.Dir}}' github.com/terraform-providers/terraform-provider-docker) \
	&& [ -d "$upstream_dir/docs" ] \
	|| die "cannot locate the terraform-provider-docker module source (go mod download?)"
# Examples in the docs would be converted from HCL by spawning converter
# plugins; they are not needed by the plugin, so skip them.
if ! (cd "$work" && DOCKER_TF_UPSTREAM_DIR="$upstream_dir" "$work/bin/pulumi-tfgen-docker" schema --out "$work/schema" --skip-examples \
	>"$work/tfgen.log" 2>&1); then
	cat "$work/tfgen.log" >&2
	die "schema generation failed (log above)"
fi
if grep -q "Unable to find the upstream provider's documentation" "$work/tfgen.log"; then
	cat "$work/tfgen.log" >&2
	die "generator could not read the upstream docs in $upstream_dir"
fi
for f in schema.json bridge-metadata.json; do
	[ -s "$work/schema/$f" ] || { cat "$work/tfgen.log" >&2; die "generator did not write $f"; }
done

step "[3/4] stamping version $version into the schema"
mkdir -p "$work/embed"
"$work/bin/embed-schema" "$work/schema/schema.json" "$work/embed/schema-embed.json" "$version" \
	|| die "could not prepare schema-embed.json"
cp "$work/schema/bridge-metadata.json" "$work/embed/bridge-metadata.json"

gen_dir="$src/cmd/pulumi-resource-docker/generated"
cat >"$work/overlay.json" <<JSON
{"Replace": {
  "$gen_dir/schema-embed.json": "$work/embed/schema-embed.json",
  "$gen_dir/bridge-metadata.json": "$work/embed/bridge-metadata.json"
}}
JSON

step "[4/4] building $out_dir/pulumi-resource-docker"
gobuild -overlay "$work/overlay.json" -ldflags "$ldflags" \
	-o "$work/bin/pulumi-resource-docker" ./cmd/pulumi-resource-docker \
	|| die "building the provider plugin failed (see the go errors above)"

got=$("$work/bin/pulumi-resource-docker" -version 2>&1) \
	|| die "built plugin does not run: $got"
[ "$got" = "$version" ] || die "built plugin reports version '$got', expected '$version'"

mv -f "$work/bin/pulumi-resource-docker" "$out_dir/pulumi-resource-docker"
step "done: $out_dir/pulumi-resource-docker (version $got)"
