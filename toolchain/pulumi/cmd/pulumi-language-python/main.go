// Command pulumi-language-python is railstack's build of the Pulumi language host for Python.
//
// Why it exists: the upstream host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) that is never tagged, so the Go
// module proxy cannot serve it, and on an air-gapped machine there is no release archive to take it
// from. Everything that does the real work is in the SDK module at the same version as the CLI:
// the gRPC protocol (pulumirpc), the Python toolchain resolution (virtualenv, pip, poetry, uv) and the
// `pulumi-language-python-exec` shim that runs a program. This command is the thin gRPC glue between
// them, so a program behaves as it does under the upstream host.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

func main() {
	// The engine passes glog-style logging flags, an optional tracing endpoint and then its own address.
	// A private FlagSet keeps these from clashing with flags that linked libraries register globally.
	flags := flag.NewFlagSet("pulumi-language-python", flag.ContinueOnError)
	tracing := flags.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	logToStderr := flags.Bool("logtostderr", false, "Log to stderr instead of to files")
	verbose := flags.Int("v", 0, "Enable verbose logging at this level")
	executor := flags.String("use-executor", "",
		"Run programs with this pulumi-language-python-exec script instead of the one beside this binary")
	_ = flags.String("root", "", "Ignored: the project root comes with every request")
	_ = flags.String("virtualenv", "", "Ignored: the virtualenv option comes with every request")
	if err := flags.Parse(os.Args[1:]); err != nil {
		cmdutil.Exit(err)
	}
	logging.InitLogging(*logToStderr, *verbose, false)

	execScript, err := locateExecScript(*executor)
	if err != nil {
		cmdutil.Exit(err)
	}

	var engineAddress string
	if flags.NArg() > 0 {
		engineAddress = flags.Arg(0)
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, newHost(execScript, engineAddress, *tracing))
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start the language host's gRPC server: %w", err))
	}

	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host stopped serving: %w", err))
	}
}
