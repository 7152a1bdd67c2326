// Command pulumi-tfgen-random writes the Pulumi package schema (schema.json)
// and bridge-metadata.json for the random provider:
//
//	pulumi-tfgen-random schema --out <dir>
//
// Descriptions come from the upstream provider's docs/ folder. By default the
// bridge locates it by running `go mod download` in ./provider; build.sh
// instead passes the module's directory in RANDOM_TF_UPSTREAM_DIR.
package main

import (
	"fmt"
	"os"

	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"railstack.local/toolchain/random/provider"
)

func main() {
	if provider.Version == "" {
		fmt.Fprintln(os.Stderr, "pulumi-tfgen-random: built without a version; build it with toolchain/random/build.sh")
		os.Exit(2)
	}
	info := provider.Info(nil)
	if dir := os.Getenv("RANDOM_TF_UPSTREAM_DIR"); dir != "" {
		info.UpstreamRepoPath = dir
	}
	pftfgen.Main("random", info)
}
