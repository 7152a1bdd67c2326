//go:build tools

// Package tools pins the Pulumi YAML language host's main package as a dependency of this module, so
// that `go build github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml` resolves it with this
// module's go.mod: pulumi-yaml's own go.mod asks for an older pulumi pkg/sdk, and this module lifts
// both to the version the pulumi CLI here is built at (toolchain/pulumi/go.mod).
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
