// This tiny module exists only so that the wrapper can reach the docker
// provider's constructor: it lives in an `internal` package of the Terraform
// provider module, and Go only allows importing `internal` packages from import
// paths that share the parent prefix. Its path therefore sits under
// github.com/terraform-providers/terraform-provider-docker/ (the path upstream's
// go.mod declares, even though it is fetched as github.com/kreuzwerker/...), and
// the wrapper's go.mod points at this directory with a `replace` directive. It
// is never published anywhere.
module github.com/terraform-providers/terraform-provider-docker/railstackshim

go 1.25.8

require (
	github.com/hashicorp/terraform-plugin-sdk/v2 v2.40.1
	github.com/terraform-providers/terraform-provider-docker v0.0.0
)

replace github.com/terraform-providers/terraform-provider-docker => github.com/kreuzwerker/terraform-provider-docker v0.0.0-20260916201441-96d331c98ff4
