// Command pulumi-resource-docker is the Pulumi resource plugin for the docker
// package (pulumi-docker 5.x API). It serves one gRPC provider that routes
// docker:index/image:Image to the native implementation (package image) and
// everything else to the bridged Terraform provider. build.sh generates
// generated/schema-embed.json and generated/bridge-metadata.json before
// compiling this package.
package main

import (
	"context"
	_ "embed"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	rprovider "github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"railstack.local/toolchain/docker/image"
	"railstack.local/toolchain/docker/provider"
)

//go:embed generated/schema-embed.json
var schema []byte

//go:embed generated/bridge-metadata.json
var bridgeMetadata []byte

func main() {
	if provider.Version == "" {
		fmt.Fprintln(os.Stderr, "pulumi-resource-docker: built without a version; build it with toolchain/docker/build.sh")
		os.Exit(2)
	}
	for _, a := range os.Args[1:] {
		if a == "-version" || a == "--version" {
			fmt.Println(provider.Version)
			return
		}
	}
	info := provider.Info(bridgeMetadata)
	err := rprovider.Main("docker", func(host *rprovider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		bridged := tfbridge.NewProvider(context.Background(), host, "docker", provider.Version, info.P, info, schema)
		return &router{ResourceProviderServer: bridged, image: image.NewProvider(host)}, nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-resource-docker:", err)
		os.Exit(1)
	}
}
