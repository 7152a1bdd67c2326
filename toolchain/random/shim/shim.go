// Package railstackshim exposes the Terraform random provider's
// plugin-framework constructor, which upstream keeps in an internal package.
package railstackshim

import (
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"

	upstream "github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// New returns a fresh instance of the upstream plugin-framework provider.
func New() fwprovider.Provider {
	return upstream.New()
}
