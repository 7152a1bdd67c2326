package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/protobuf/types/known/emptypb"
)

const (
	// The exec shim ships in the SDK module next to this command's sources; bootstrap installs it beside the binary.
	execScriptName = "pulumi-language-python-exec"

	// The Python SDK reads the stack's configuration and the names of its secret keys from these variables.
	configEnvVar           = "PULUMI_CONFIG"
	configSecretKeysEnvVar = "PULUMI_CONFIG_SECRET_KEYS"

	// pulumi-language-python-exec exits with this code after it has already shown the user an actionable
	// message; the engine must then not print a second, generic error.
	exitCodeUserActionableMessage = 32
)

// pythonHost implements pulumirpc.LanguageRuntimeServer. Methods it does not implement (code generation,
// templates, packing) answer Unimplemented through the embedded type, which the engine handles.
type pythonHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	execScript    string
	engineAddress string
	tracing       string
}

func newHost(execScript, engineAddress, tracing string) *pythonHost {
	return &pythonHost{execScript: execScript, engineAddress: engineAddress, tracing: tracing}
}

func locateExecScript(given string) (string, error) {
	if given != "" {
		return given, nil
	}
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("could not determine the language host's own path: %w", err)
	}
	script := filepath.Join(filepath.Dir(self), execScriptName)
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("missing %s beside the language host (%s): run scripts/bootstrap", execScriptName, script)
	}
	return script, nil
}

// resolveToolchain turns the `runtime.options` of Pulumi.yaml (virtualenv, toolchain) into the SDK's
// toolchain, which knows how to find and run the right Python interpreter.
func resolveToolchain(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, toolchain.PythonOptions, error) {
	var opts toolchain.PythonOptions
	if info == nil {
		return nil, opts, errors.New("the engine sent no program information")
	}
	opts.Root = info.GetRootDirectory()
	opts.ProgramDir = info.GetProgramDirectory()
	options := info.GetOptions().AsMap()

	if raw, ok := options["virtualenv"]; ok {
		venv, isString := raw.(string)
		if !isString {
			return nil, opts, fmt.Errorf("runtime option virtualenv must be a string, got %T", raw)
		}
		opts.Virtualenv = venv
	}
	if raw, ok := options["toolchain"]; ok {
		name, isString := raw.(string)
		if !isString {
			return nil, opts, fmt.Errorf("runtime option toolchain must be a string, got %T", raw)
		}
		switch name {
		case "pip":
			opts.Toolchain = toolchain.Pip
		case "poetry":
			opts.Toolchain = toolchain.Poetry
		case "uv":
			opts.Toolchain = toolchain.Uv
		default:
			return nil, opts, fmt.Errorf("runtime option toolchain = %q: allowed values are pip, poetry, uv", name)
		}
	}
	if raw, ok := options["typechecker"]; ok && raw != "" {
		return nil, opts, fmt.Errorf("runtime option typechecker = %v is not supported by this language host", raw)
	}

	tc, err := toolchain.ResolveToolchain(opts)
	return tc, opts, err
}

// commandEnv returns the environment a toolchain command runs with: the toolchain's own when it set one
// (an activated virtualenv), else this process's.
func commandEnv(cmd *exec.Cmd) []string {
	if cmd.Env != nil {
		return cmd.Env
	}
	return os.Environ()
}

func (h *pythonHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if addr := req.GetEngineAddress(); addr != "" {
		h.engineAddress = addr
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *pythonHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// pluginQuery prints, as JSON, the provider plugin each installed distribution declares in its
// pulumi-plugin.json. Reading the files through importlib.metadata covers every installer (pip, uv,
// poetry, editable installs) without parsing `pip show` output.
const pluginQuery = `
import json, importlib.metadata as md
found = []
for dist in md.distributions():
    for f in dist.files or []:
        if f.name in ("pulumi-plugin.json", "pulumiplugin.json") and len(f.parts) == 2:
            try:
                meta = json.loads(f.read_text() or "{}")
            except (OSError, ValueError):
                continue
            found.append({"distribution": dist.metadata["Name"], "version": dist.version, "plugin": meta})
print(json.dumps(found))
`

type declaredPlugin struct {
	Distribution string `json:"distribution"`
	Version      string `json:"version"`
	Plugin       struct {
		Resource         bool   `json:"resource"`
		Name             string `json:"name"`
		Version          string `json:"version"`
		Server           string `json:"server"`
		Parameterization *struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Value   []byte `json:"value"`
		} `json:"parameterization"`
	} `json:"plugin"`
}

func (h *pythonHost) requiredPackages(
	ctx context.Context, info *pulumirpc.ProgramInfo,
) ([]*pulumirpc.PackageDependency, error) {
	tc, _, err := resolveToolchain(info)
	if err != nil {
		return nil, err
	}
	cmd, err := tc.Command(ctx, "-c", pluginQuery)
	if err != nil {
		return nil, err
	}
	cmd.Dir = info.GetProgramDirectory()
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing the Pulumi packages installed for %s: %w", info.GetProgramDirectory(), err)
	}
	var declared []declaredPlugin
	if err := json.Unmarshal(out, &declared); err != nil {
		return nil, fmt.Errorf("reading the list of installed Pulumi packages: %w", err)
	}

	var packages []*pulumirpc.PackageDependency
	for _, d := range declared {
		if !d.Plugin.Resource {
			continue
		}
		name := d.Plugin.Name
		if name == "" {
			name = strings.TrimPrefix(d.Distribution, "pulumi-")
		}
		ver := d.Plugin.Version
		if ver == "" {
			ver = d.Version
		}
		if !strings.HasPrefix(ver, "v") {
			ver = "v" + ver
		}
		dep := &pulumirpc.PackageDependency{Kind: "resource", Name: name, Version: ver, Server: d.Plugin.Server}
		if p := d.Plugin.Parameterization; p != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
		}
		logging.V(5).Infof("required package: %s %s (from %s)", name, ver, d.Distribution)
		packages = append(packages, dep)
	}
	return packages, nil
}

func (h *pythonHost) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	packages, err := h.requiredPackages(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

func (h *pythonHost) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	packages, err := h.requiredPackages(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(packages))
	for _, p := range packages {
		if p.Parameterization != nil {
			continue // parameterized packages cannot be expressed as plain plugins
		}
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// Run executes the program through the SDK's exec shim, which connects it to the resource monitor.
func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	tc, _, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := []string{"-u", h.execScript}
	add := func(flag, value string) {
		if value != "" {
			args = append(args, "--"+flag, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", h.tracing)
	add("organization", req.GetOrganization())
	add("root_directory", req.GetInfo().GetRootDirectory())
	program := req.GetInfo().GetEntryPoint()
	if program == "" {
		program = "."
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	env := commandEnv(cmd)
	if cfg := req.GetConfig(); cfg != nil {
		encoded, err := json.Marshal(cfg)
		if err != nil {
			return nil, fmt.Errorf("encoding the stack configuration: %w", err)
		}
		env = append(env, configEnvVar+"="+string(encoded))
	}
	if keys := req.GetConfigSecretKeys(); keys != nil {
		encoded, err := json.Marshal(keys)
		if err != nil {
			return nil, fmt.Errorf("encoding the secret configuration keys: %w", err)
		}
		env = append(env, configSecretKeysEnvVar+"="+string(encoded))
	}
	cmd.Env = env
	cmd.Dir = req.GetInfo().GetProgramDirectory()
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr

	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitCodeUserActionableMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d",
				exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the Python program: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a plugin written in Python, such as a CrossGuard policy pack: the engine passes the
// plugin's directory, whose __main__.py is run by the plugin's own interpreter.
func (h *pythonHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	tc, _, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return err
	}
	args := append([]string{"-u", req.GetInfo().GetProgramDirectory()}, req.GetArgs()...)
	cmd, err := tc.Command(server.Context(), args...)
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	cmd.Dir = req.GetPwd()
	cmd.Env = append(commandEnv(cmd), req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return server.Send(&pulumirpc.RunPluginResponse{
				Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(exitErr.ExitCode())},
			})
		}
		return fmt.Errorf("could not run the Python plugin in %s: %w", req.GetInfo().GetProgramDirectory(), err)
	}
	return closer.Close()
}

// InstallDependencies backs `pulumi install`: it creates the virtualenv if needed and installs the project.
func (h *pythonHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	tc, _, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	if err := tc.InstallDependencies(server.Context(), req.GetInfo().GetProgramDirectory(),
		req.GetUseLanguageVersionTools(), true, stdout, stderr); err != nil {
		return err
	}
	return closer.Close()
}

func (h *pythonHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, _, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: info.PythonExecutable, Version: info.PythonVersion.String()}, nil
}

func (h *pythonHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, _, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	deps, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	result := make([]*pulumirpc.DependencyInfo, len(deps))
	for i, d := range deps {
		result[i] = &pulumirpc.DependencyInfo{Name: d.Name, Version: d.Version}
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: result}, nil
}

func (h *pythonHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}
