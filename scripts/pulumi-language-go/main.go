// pulumi-language-go: a minimal Go language host for the e2e tests of Go programs on the native
// provider's generated Go SDK (issue 17, docs/pulumi.md "SDKs"). Pulumi's own host
// (module github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3) is not served by the Go module
// proxy reachable here, so this stands in for it; built by scripts/engines.sh next to the pulumi
// CLI, which finds it on PATH as the host of `runtime: go`.
//
// It does what a language host must for a prebuilt program: serve pulumirpc.LanguageRuntime on a
// free local port (printed as stdout's first line), and on Run execute the program binary with
// the run's settings in the environment the Go SDK's pulumi.Run reads (PULUMI_MONITOR,
// PULUMI_CONFIG, ...). The program is the runtime option `binary` (as for Pulumi's host), or,
// without it, `go build` of the program directory. Plugins are not predicted (the engine loads
// the provider when the program registers its first resource).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/constant"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is the Pulumi SDK these tests build against (scripts/engines.sh PULUMI_VERSION).
var version = "3.259.0"

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engine string
	binary string
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engine = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// InstallDependencies has nothing to do: a prebuilt binary, or `go build` with the module
// cache, fetches what the program needs.
func (h *host) InstallDependencies(*pulumirpc.InstallDependenciesRequest, grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	return nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}
	program := h.binary
	// Newer engines hand the runtime options over in the request rather than as flags.
	if b, ok := req.GetInfo().GetOptions().AsMap()["binary"].(string); ok && b != "" {
		program = b
	}
	if program == "" {
		out, err := os.MkdirTemp("", "pulumi-go-program-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(out)
		program = filepath.Join(out, "program")
		build := exec.CommandContext(ctx, "go", "build", "-o", program, ".")
		build.Dir = dir
		var stderr bytes.Buffer
		build.Stderr = &stderr
		if err := build.Run(); err != nil {
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("go build: %v: %s", err, strings.TrimSpace(stderr.String()))}, nil
		}
	} else if !filepath.IsAbs(program) {
		program = filepath.Join(dir, program)
	}
	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(req.GetConfigSecretKeys())
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, program, req.GetArgs()...)
	cmd.Dir = req.GetPwd()
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(),
		"PULUMI_PROJECT="+req.GetProject(),
		"PULUMI_STACK="+req.GetStack(),
		"PULUMI_ORGANIZATION="+req.GetOrganization(),
		"PULUMI_ROOT_DIRECTORY="+req.GetInfo().GetRootDirectory(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
		"PULUMI_PARALLEL="+strconv.Itoa(int(req.GetParallel())),
		"PULUMI_DRY_RUN="+strconv.FormatBool(req.GetDryRun()),
		"PULUMI_MONITOR="+req.GetMonitorAddress(),
		"PULUMI_ENGINE="+h.engine,
	)
	if err := cmd.Run(); err != nil {
		// Exit status 32 is the SDK's "error already reported to the engine" (constant.
		// ExitStatusLoggedError): bail without another message; any other failure is named.
		if exit, ok := err.(*exec.ExitError); ok && exit.ExitCode() == constant.ExitStatusLoggedError {
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("%s: %v", program, err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func main() {
	h := &host{}
	// The engine passes flags (-root=DIR, runtime options such as -binary=FILE, -tracing=...)
	// and its own address as the last argument.
	for _, arg := range os.Args[1:] {
		switch {
		case strings.HasPrefix(arg, "-binary="):
			h.binary = strings.TrimPrefix(arg, "-binary=")
		case strings.HasPrefix(arg, "-"):
		default:
			h.engine = arg
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-go: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-go: %v\n", err)
		os.Exit(1)
	}
}
