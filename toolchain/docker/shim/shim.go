// Package railstackshim exposes the Terraform docker provider's SDKv2
// constructor, which upstream keeps in an internal package.
//
// Only the SDKv2 half of upstream's muxed provider is used: its
// plugin-framework half carries docker_compose, the docker_containers data
// source and actions, none of which are part of the pulumi-docker 5.x API.
package railstackshim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	upstream "github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// New returns a fresh instance of the upstream SDKv2 provider; version is what
// it reports in its User-Agent.
func New(version string) *schema.Provider {
	return upstream.New(version)()
}
