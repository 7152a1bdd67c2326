// Package provider describes how the Terraform "random" provider is exposed to
// Pulumi: package name, resource tokens and a couple of runtime hooks. It is
// shared by the schema generator (cmd/pulumi-tfgen-random) and the plugin
// (cmd/pulumi-resource-random) so both see exactly the same mapping.
package provider

import (
	"context"
	"fmt"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/terraform-providers/terraform-provider-random/railstackshim"
)

// Version is the plugin version reported to Pulumi. build.sh stamps it with
// -ldflags "-X railstack.local/toolchain/random/provider.Version=<version>".
var Version string

const (
	pkgName   = "random"
	tfPrefix  = "random_"
	indexMod  = "index"
	typPrefix = "Random"
)

// Info builds the bridge description of the provider. metadata is the
// bridge-metadata.json written by the generator (nil/empty when generating).
func Info(metadata []byte) tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:            pftfbridge.ShimProvider(railstackshim.New()),
		Name:         pkgName,
		Version:      Version,
		Description:  "A Pulumi package to safely use randomness in Pulumi programs.",
		Keywords:     []string{"pulumi", "random"},
		License:      "Apache-2.0",
		Homepage:     "https://pulumi.io",
		Repository:   "https://github.com/pulumi/pulumi-random",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Resources: map[string]*tfbridge.ResourceInfo{
			// random_bytes has no "id" attribute: use the base64 result.
			"random_bytes": {ComputeID: bytesID},
			// Old RandomString states may lack their schema version marker;
			// treat an unversioned state as version 1 (upgrades from there on
			// are idempotent), as the published provider does.
			"random_string": {PreStateUpgradeHook: assumeV1WhenUnversioned},
		},
		Python: &tfbridge.PythonInfo{RespectSchemaVersion: true},
	}

	// random_foo_bar -> random:index/randomFooBar:RandomFooBar (the TF
	// prefix is dropped by the strategy, then re-added as "Random").
	info.MustComputeTokens(tokens.SingleModule(tfPrefix, indexMod,
		func(module, name string) (string, error) {
			return tokens.MakeStandard(pkgName)(module, typPrefix+name)
		}))
	info.MustApplyAutoAliases()
	return info
}

func bytesID(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	v, ok := state["base64"]
	if !ok {
		return "", fmt.Errorf("random_bytes: state has no base64 property")
	}
	// IDs cannot carry secret markers, so unwrap the (sensitive) value.
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsString() {
		return "", fmt.Errorf("random_bytes: base64 property is %v, want a string", v.TypeString())
	}
	return resource.ID(v.StringValue()), nil
}

func assumeV1WhenUnversioned(args tfbridge.PreStateUpgradeHookArgs) (int64, resource.PropertyMap, error) {
	if args.PriorStateSchemaVersion == 0 {
		return 1, args.PriorState, nil
	}
	return args.PriorStateSchemaVersion, args.PriorState, nil
}
