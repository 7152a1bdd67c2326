// Command pulumi-tfgen-docker writes the Pulumi package schema (schema.json)
// and bridge-metadata.json for the docker provider:
//
//	pulumi-tfgen-docker schema --out <dir>
//
// Descriptions come from the upstream provider's docs/ folder; build.sh passes
// the module's directory in DOCKER_TF_UPSTREAM_DIR.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"railstack.local/toolchain/docker/provider"
)

func main() {
	if provider.Version == "" {
		fmt.Fprintln(os.Stderr, "pulumi-tfgen-docker: built without a version; build it with toolchain/docker/build.sh")
		os.Exit(2)
	}
	info := provider.Info(nil)
	if dir := os.Getenv("DOCKER_TF_UPSTREAM_DIR"); dir != "" {
		info.UpstreamRepoPath = dir
	}
	tfgen.Main("docker", provider.Version, info)
}
