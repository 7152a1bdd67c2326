// Command pulumi-resource-random is the Pulumi resource plugin for the random
// package. build.sh generates generated/schema-embed.json and
// generated/bridge-metadata.json before compiling this package.
package main

import (
	"context"
	_ "embed"
	"fmt"
	"os"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"railstack.local/toolchain/random/provider"
)

//go:embed generated/schema-embed.json
var schema []byte

//go:embed generated/bridge-metadata.json
var bridgeMetadata []byte

func main() {
	if provider.Version == "" {
		fmt.Fprintln(os.Stderr, "pulumi-resource-random: built without a version; build it with toolchain/random/build.sh")
		os.Exit(2)
	}
	pftfbridge.Main(context.Background(), "random", provider.Info(bridgeMetadata),
		pftfbridge.ProviderMetadata{PackageSchema: schema})
}
