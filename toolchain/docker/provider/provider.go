// Package provider describes how the Terraform "docker" provider is exposed to
// Pulumi as the pulumi-docker 5.x package: package name, resource and function
// tokens, property-name overrides, provider configuration defaults, and the
// schema of the natively implemented docker:index/image:Image resource
// (package image), which is not a Terraform resource at all. It is shared by
// the schema generator (cmd/pulumi-tfgen-docker) and the plugin
// (cmd/pulumi-resource-docker) so both see exactly the same mapping.
package provider

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"

	"github.com/terraform-providers/terraform-provider-docker/railstackshim"

	"railstack.local/toolchain/docker/image"
)

// Version is the plugin version reported to Pulumi. build.sh stamps it with
// -ldflags "-X railstack.local/toolchain/docker/provider.Version=<version>".
var Version string

const (
	pkgName  = "docker"
	tfPrefix = "docker_"
	indexMod = "index"
)

// Info builds the bridge description of the provider. metadata is the
// bridge-metadata.json written by the generator (nil/empty when generating).
func Info(metadata []byte) tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:            shimv2.NewProvider(railstackshim.New(Version)),
		Name:         pkgName,
		Version:      Version,
		Description:  "A Pulumi package for interacting with Docker in Pulumi programs",
		Keywords:     []string{"pulumi", "docker"},
		License:      "Apache-2.0",
		Homepage:     "https://pulumi.io",
		Repository:   "https://github.com/pulumi/pulumi-docker",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Config: map[string]*tfbridge.SchemaInfo{
			// Upstream already falls back to DOCKER_HOST and then the local
			// socket; the published package documents the same default.
			"host": {
				Default: &tfbridge.DefaultInfo{EnvVars: []string{"DOCKER_HOST"}},
			},
			// A list in Terraform, but named in the singular in the SDKs.
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			// Names that are not the plain camel case of the Terraform type.
			"docker_image":  {Tok: "docker:index/remoteImage:RemoteImage"},
			"docker_config": {Tok: "docker:index/serviceConfig:ServiceConfig"},
			"docker_container": {
				// Two containers with the same name cannot coexist.
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					// Lists whose SDK names are not pluralized.
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image": {Tok: "docker:index/getRemoteImage:getRemoteImage"},
		},
		// docker:index/image:Image is implemented natively (package image);
		// its schema is added to the generated one here.
		ExtraTypes:     image.SchemaTypes(),
		ExtraResources: image.SchemaResources(),
		Python:         &tfbridge.PythonInfo{RespectSchemaVersion: true},
	}

	info.MustComputeTokens(tokens.SingleModule(tfPrefix, indexMod, tokens.MakeStandard(pkgName)))
	info.SetAutonaming(255, "-")
	info.MustApplyAutoAliases()
	return info
}
