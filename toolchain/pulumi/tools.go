//go:build tools

// Package tools pins the Pulumi CLI's main package as a dependency of this module, so that
// `go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi` resolves it with this module's go.mod
// (pkg/v3's own go.mod replaces the SDK with a relative path that only exists in Pulumi's repository).
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
