// This tiny module exists only so that the wrapper can reach the random
// provider's constructor: it lives in an `internal` package of the Terraform
// provider module, and Go only allows importing `internal` packages from import
// paths that share the parent prefix. Its path therefore sits under
// github.com/terraform-providers/terraform-provider-random/ and the wrapper's
// go.mod points at this directory with a `replace` directive. It is never
// published anywhere.
module github.com/terraform-providers/terraform-provider-random/railstackshim

go 1.25.8

require (
	github.com/hashicorp/terraform-plugin-framework v1.19.0
	github.com/terraform-providers/terraform-provider-random v1.3.2-0.20260824155315-e1092b0cfc07
)
