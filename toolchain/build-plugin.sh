#!/usr/bin/env bash
# Builds a bridged Pulumi resource plugin from source: toolchain/<name>/ is a wrapper Go module with
# cmd/pulumi-tfgen-<name> (schema generator) and cmd/pulumi-resource-<name> (the plugin), and a
# plugin.env naming the Terraform upstream module (UPSTREAM_MODULE) and Go build tags (GO_TAGS).
#
#   toolchain/build-plugin.sh <name> <out-dir> <plugin-version>
#
# 1. builds the schema generator,
# 2. runs it to write schema.json + bridge-metadata.json into a temporary dir,
# 3. stamps the version into the schema,
# 4. builds <out-dir>/pulumi-resource-<name>, embedding both files through a
#    `go build -overlay` (nothing is written into the source tree).
#
# Go's module and build caches (GOMODCACHE/GOCACHE, as configured) are reused,
# so a second build is mostly cache hits.
set -euo pipefail

name=${1:-}
die() { echo "build-plugin ($name): ERROR: $*" >&2; exit 1; }
step() { echo "build-plugin ($name): $*" >&2; }

[ $# -eq 3 ] || die "usage: $0 <name> <out-dir> <plugin-version>   (e.g. $0 random /tmp/out 4.21.4)"
out_dir=$2
version=${3#v}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] \
	|| die "plugin version '$3' is not semver (want e.g. 4.21.4)"
command -v go >/dev/null 2>&1 || die "'go' not found on PATH"

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/$name" 2>/dev/null && pwd) || die "no toolchain/$name directory"
UPSTREAM_MODULE=""
GO_TAGS=""
# shellcheck source=/dev/null
. "$src/plugin.env"
[ -n "$UPSTREAM_MODULE" ] || die "$src/plugin.env must set UPSTREAM_MODULE"
mkdir -p "$out_dir" || die "cannot create output dir $out_dir"
out_dir=$(cd "$out_dir" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/$name-plugin-build.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$work"' EXIT

cd "$src"
ldflags="-s -w -X railstack.local/toolchain/$name/provider.Version=$version"
# -mod=readonly: never rewrite go.mod/go.sum during a build; a stale go.sum is
# an error to fix with `go mod tidy`, not something to patch silently.
gobuild() { go build -mod=readonly -trimpath ${GO_TAGS:+-tags "$GO_TAGS"} "$@"; }

step "go $(go env GOVERSION), GOMODCACHE=$(go env GOMODCACHE), GOCACHE=$(go env GOCACHE)"

step "[1/4] building pulumi-tfgen-$name"
gobuild -ldflags "$ldflags" -o "$work/bin/pulumi-tfgen-$name" "./cmd/pulumi-tfgen-$name" \
	|| die "building the schema generator failed (see the go errors above)"

step "[2/4] generating the Pulumi schema"
# The generator reads resource descriptions from the upstream module's docs/.
upstream_dir=$(go list -mod=readonly -m -f '{{.Dir}}' "$UPSTREAM_MODULE") \
	&& [ -d "$upstream_dir/docs" ] \
	|| die "cannot locate the $UPSTREAM_MODULE module source (go mod download?)"
# Examples in the docs would be converted from HCL by spawning converter
# plugins; they are not needed by the plugin, so skip them.
if ! (cd "$work" && env "${name^^}_TF_UPSTREAM_DIR=$upstream_dir" "$work/bin/pulumi-tfgen-$name" schema --out "$work/schema" --skip-examples \
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
python3 - "$work/schema/schema.json" "$work/embed/schema-embed.json" "$version" <<'PY' \
	|| die "could not prepare schema-embed.json"
import json, sys
source, target, version = sys.argv[1:]
spec = json.load(open(source))
if "resources" not in spec:
    sys.exit(f"{source} has no resources: not a Pulumi package schema")
spec["version"] = version
json.dump(spec, open(target, "w"), separators=(",", ":"))
PY
cp "$work/schema/bridge-metadata.json" "$work/embed/bridge-metadata.json"

gen_dir="$src/cmd/pulumi-resource-$name/generated"
cat >"$work/overlay.json" <<JSON
{"Replace": {
  "$gen_dir/schema-embed.json": "$work/embed/schema-embed.json",
  "$gen_dir/bridge-metadata.json": "$work/embed/bridge-metadata.json"
}}
JSON

step "[4/4] building $out_dir/pulumi-resource-$name"
gobuild -overlay "$work/overlay.json" -ldflags "$ldflags" \
	-o "$work/bin/pulumi-resource-$name" ./cmd/pulumi-resource-$name \
	|| die "building the provider plugin failed (see the go errors above)"

got=$("$work/bin/pulumi-resource-$name" -version 2>&1) \
	|| die "built plugin does not run: $got"
[ "$got" = "$version" ] || die "built plugin reports version '$got', expected '$version'"

mv -f "$work/bin/pulumi-resource-$name" "$out_dir/pulumi-resource-$name"
step "done: $out_dir/pulumi-resource-$name (version $got)"
