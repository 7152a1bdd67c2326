package image

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/distribution/reference"
	clibuild "github.com/docker/cli/cli/command/image/build"
	cliconfig "github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/credentials"
	buildtypes "github.com/docker/docker/api/types/build"
	imagetypes "github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/client"
	controlapi "github.com/moby/buildkit/api/services/control"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	archive "github.com/moby/go-archive"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"google.golang.org/protobuf/proto"
)

// build is the parsed "build" input.
type build struct {
	known          bool // every field needed to build is known
	Context        string
	Dockerfile     string // as given (or defaulted): relative to the program's directory
	Args           map[string]*string
	BuilderVersion buildtypes.BuilderVersion
	CacheFrom      []string
	Network        string
	Platform       string
	Target         string
	AddHosts       []string
}

// parseBuild reads the build object and applies the defaults: context ".",
// dockerfile "<context>/Dockerfile", BuildKit. Unknown values are tolerated
// when allowUnknown (Check/preview); known is false then.
func parseBuild(v resource.PropertyValue, allowUnknown bool) (build, error) {
	b := build{known: true, Context: ".", BuilderVersion: buildtypes.BuilderBuildKit}
	v = plain(v)
	if v.IsComputed() {
		b.known = false
		return b, nil
	}
	obj := resource.PropertyMap{}
	if v.IsObject() {
		obj = v.ObjectValue()
	} else if v.IsString() { // older SDKs allowed build: "<context>"
		obj = resource.PropertyMap{"context": v}
	} else if !v.IsNull() {
		return b, fmt.Errorf("build must be an object")
	}
	str := func(k resource.PropertyKey, dst *string) error {
		e := plain(obj[k])
		switch {
		case e.IsNull():
		case e.IsComputed():
			b.known = false
		case e.IsString():
			*dst = e.StringValue()
		default:
			return fmt.Errorf("build.%s must be a string", k)
		}
		return nil
	}
	strs := func(k resource.PropertyKey, e resource.PropertyValue, dst *[]string) error {
		e = plain(e)
		switch {
		case e.IsNull():
		case e.IsComputed():
			b.known = false
		case e.IsArray():
			for _, x := range e.ArrayValue() {
				x = plain(x)
				if x.IsComputed() {
					b.known = false
				} else if x.IsString() {
					*dst = append(*dst, x.StringValue())
				} else if !x.IsNull() {
					return fmt.Errorf("build.%s must be a list of strings", k)
				}
			}
		default:
			return fmt.Errorf("build.%s must be a list of strings", k)
		}
		return nil
	}
	var version string
	for k, dst := range map[resource.PropertyKey]*string{
		"context": &b.Context, "dockerfile": &b.Dockerfile, "network": &b.Network,
		"platform": &b.Platform, "target": &b.Target, "builderVersion": &version,
	} {
		if err := str(k, dst); err != nil {
			return b, err
		}
	}
	if b.Context == "" {
		b.Context = "."
	}
	if b.Dockerfile == "" {
		b.Dockerfile = filepath.Join(b.Context, "Dockerfile")
	}
	switch version {
	case "", "BuilderBuildKit":
		b.BuilderVersion = buildtypes.BuilderBuildKit
	case "BuilderV1":
		b.BuilderVersion = buildtypes.BuilderV1
	default:
		return b, fmt.Errorf("build.builderVersion must be BuilderV1 or BuilderBuildKit, not %q", version)
	}
	if err := strs("addHosts", obj["addHosts"], &b.AddHosts); err != nil {
		return b, err
	}
	if cf := plain(obj["cacheFrom"]); cf.IsObject() {
		if err := strs("cacheFrom.images", cf.ObjectValue()["images"], &b.CacheFrom); err != nil {
			return b, err
		}
	} else if cf.IsComputed() {
		b.known = false
	}
	if a := plain(obj["args"]); a.IsObject() {
		b.Args = map[string]*string{}
		for k, e := range a.ObjectValue() {
			e = plain(e)
			if e.IsComputed() {
				b.known = false
			} else if e.IsString() {
				s := e.StringValue()
				b.Args[string(k)] = &s
			}
		}
	} else if a.IsComputed() {
		b.known = false
	}
	if !b.known && !allowUnknown {
		return b, fmt.Errorf("build has unknown values")
	}
	return b, nil
}

// contextFiles resolves the context directory, the Dockerfile's path relative
// to it (or "" when it lies outside) and the .dockerignore patterns, with the
// Dockerfile and ignore file themselves re-included as the docker CLI does.
func contextFiles(b build) (dir, relDockerfile string, excludes []string, err error) {
	dir, err = filepath.Abs(b.Context)
	if err != nil {
		return "", "", nil, err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", "", nil, fmt.Errorf("build context %q is not a directory", b.Context)
	}
	df, err := filepath.Abs(b.Dockerfile)
	if err != nil {
		return "", "", nil, err
	}
	if _, err := os.Stat(df); err != nil {
		return "", "", nil, fmt.Errorf("dockerfile %q: %w", b.Dockerfile, err)
	}
	rel, err := filepath.Rel(dir, df)
	if err != nil {
		return "", "", nil, err
	}
	rel = filepath.ToSlash(rel)
	if strings.HasPrefix(rel, "../") {
		rel = ""
	}
	// <Dockerfile>.dockerignore next to the context wins over .dockerignore.
	for _, name := range []string{filepath.Base(df) + ".dockerignore", ".dockerignore"} {
		f, oerr := os.Open(filepath.Join(dir, name))
		if oerr != nil {
			continue
		}
		excludes, err = ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return "", "", nil, fmt.Errorf("reading %s: %w", name, err)
		}
		break
	}
	if rel != "" {
		excludes = clibuild.TrimBuildFilesFromExcludes(excludes, rel, false)
	}
	return dir, rel, excludes, nil
}

// contextDigest hashes the Dockerfile and every file of the context that the
// ignore patterns let through (path, mode and content).
func contextDigest(b build) (string, error) {
	dir, _, excludes, err := contextFiles(b)
	if err != nil {
		return "", err
	}
	pm, err := patternmatcher.New(excludes)
	if err != nil {
		return "", fmt.Errorf("bad .dockerignore pattern: %w", err)
	}
	h := sha256.New()
	df, err := os.ReadFile(b.Dockerfile)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "dockerfile %d\n", len(df))
	h.Write(df)
	var paths []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		skip, merr := pm.MatchesOrParentMatches(rel)
		if merr != nil {
			return merr
		}
		if skip {
			if d.IsDir() && !pm.Exclusions() {
				return filepath.SkipDir
			}
			return nil
		}
		paths = append(paths, rel)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hashing the build context: %w", err)
	}
	sort.Strings(paths)
	for _, rel := range paths {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		st, err := os.Lstat(p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %o\n", rel, st.Mode())
		switch {
		case st.Mode()&os.ModeSymlink != 0:
			t, _ := os.Readlink(p)
			io.WriteString(h, t)
		case st.Mode().IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return "", err
			}
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type registryCreds struct{ Server, Username, Password string }

func registryFrom(v resource.PropertyValue) registryCreds {
	var r registryCreds
	v = plain(v)
	if !v.IsObject() {
		return r
	}
	get := func(k resource.PropertyKey) string {
		if e := plain(v.ObjectValue()[k]); e.IsString() {
			return e.StringValue()
		}
		return ""
	}
	return registryCreds{Server: get("server"), Username: get("username"), Password: get("password")}
}

type buildRequest struct {
	URN      string
	Name     string
	Build    build
	SkipPush bool
	Registry registryCreds
}

// registryHost is the registry part of an image name ("docker.io" by default).
func registryHost(name string) string {
	ref, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return ""
	}
	return reference.Domain(ref)
}

func dockerConfig() *configfile.ConfigFile {
	cfg := cliconfig.LoadDefaultConfigFile(io.Discard)
	cfg.CredentialsStore = credentials.DetectDefaultStore(cfg.CredentialsStore)
	return cfg
}

// authFor returns the credentials for server: the registry input when it has
// a username, else the docker CLI's configuration (docker login).
func authFor(cfg *configfile.ConfigFile, creds registryCreds, server string) registry.AuthConfig {
	if creds.Username != "" && (creds.Server == "" || creds.Server == server || registryHost(creds.Server+"/x") == server) {
		return registry.AuthConfig{Username: creds.Username, Password: creds.Password, ServerAddress: server}
	}
	key := server
	if server == "docker.io" {
		key = "https://index.docker.io/v1/"
	}
	a, err := cfg.GetAuthConfig(key)
	if err != nil {
		return registry.AuthConfig{ServerAddress: server}
	}
	return registry.AuthConfig(a)
}

func (p *Provider) buildAndPush(ctx context.Context, req buildRequest) (string, error) {
	cli, err := newClient(p.config)
	if err != nil {
		return "", err
	}
	defer cli.Close()
	b := req.Build

	dir, relDockerfile, excludes, err := contextFiles(b)
	if err != nil {
		return "", err
	}
	buildCtx, err := archive.TarWithOptions(dir, &archive.TarOptions{
		ExcludePatterns: excludes,
		ChownOpts:       &archive.ChownOpts{UID: 0, GID: 0},
	})
	if err != nil {
		return "", fmt.Errorf("archiving the build context: %w", err)
	}
	dockerfileName := relDockerfile
	if relDockerfile == "" { // outside the context: ship it inside the tarball
		f, err := os.Open(b.Dockerfile)
		if err != nil {
			return "", err
		}
		buildCtx, dockerfileName, err = clibuild.AddDockerfileToBuildContext(f, buildCtx)
		if err != nil {
			return "", err
		}
	}
	defer buildCtx.Close()

	cfg := dockerConfig()
	auths := map[string]registry.AuthConfig{}
	if all, err := cfg.GetAllCredentials(); err == nil {
		for k, a := range all {
			auths[k] = registry.AuthConfig(a)
		}
	}
	pushHost := registryHost(req.Name)
	pushAuth := authFor(cfg, req.Registry, pushHost)
	if pushAuth.Username != "" {
		auths[pushHost] = pushAuth
		cfg.AuthConfigs[pushHost] = cliAuth(pushAuth)
	}

	opts := buildtypes.ImageBuildOptions{
		Tags:        []string{req.Name},
		Dockerfile:  dockerfileName,
		BuildArgs:   b.Args,
		Target:      b.Target,
		Platform:    b.Platform,
		NetworkMode: b.Network,
		ExtraHosts:  b.AddHosts,
		CacheFrom:   b.CacheFrom,
		Version:     b.BuilderVersion,
		AuthConfigs: auths,
		Remove:      true,
	}
	if b.BuilderVersion == buildtypes.BuilderBuildKit {
		// BuildKit fetches registry credentials over a session.
		sess, err := session.NewSession(ctx, "")
		if err != nil {
			return "", fmt.Errorf("starting a BuildKit session: %w", err)
		}
		sess.Allow(authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{ConfigFile: cfg}))
		dial := func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
			return cli.DialHijack(ctx, "/session", proto, meta)
		}
		go func() { _ = sess.Run(ctx, dial) }()
		defer sess.Close()
		opts.SessionID = sess.ID()
	}

	for _, img := range b.CacheFrom { // pulling first makes the cache usable
		p.status(ctx, req.URN, "Pulling cache image "+img)
		if err := p.pull(ctx, cli, img, authFor(cfg, req.Registry, registryHost(img)), b.Platform, req.URN); err != nil {
			p.log(ctx, diag.Warning, req.URN, fmt.Sprintf("could not pull cache image %s: %v", img, err))
		}
	}

	p.status(ctx, req.URN, "Building the image")
	resp, err := cli.ImageBuild(ctx, buildCtx, opts)
	if err != nil {
		return "", fmt.Errorf("docker build: %w", err)
	}
	imageID, err := p.stream(ctx, resp.Body, req.URN)
	resp.Body.Close()
	if err != nil {
		return "", fmt.Errorf("docker build: %w", err)
	}

	if !req.SkipPush {
		p.status(ctx, req.URN, "Pushing the image to "+pushHost)
		enc, err := registry.EncodeAuthConfig(pushAuth)
		if err != nil {
			return "", err
		}
		out, err := cli.ImagePush(ctx, req.Name, imagetypes.PushOptions{RegistryAuth: enc})
		if err != nil {
			return "", fmt.Errorf("docker push %s: %w", req.Name, err)
		}
		_, err = p.stream(ctx, out, req.URN)
		out.Close()
		if err != nil {
			return "", fmt.Errorf("docker push %s: %w", req.Name, err)
		}
	}

	insp, err := cli.ImageInspect(ctx, req.Name)
	if err != nil {
		return "", fmt.Errorf("inspecting %s: %w", req.Name, err)
	}
	if !req.SkipPush {
		repo := req.Name
		if named, err := reference.ParseNormalizedNamed(req.Name); err == nil {
			repo = named.Name()
		}
		for _, d := range insp.RepoDigests {
			if named, err := reference.ParseNormalizedNamed(d); err == nil && named.Name() == repo {
				return d, nil
			}
		}
		if len(insp.RepoDigests) > 0 {
			return insp.RepoDigests[0], nil
		}
	}
	// A local image has no repo digest: report its ID, as upstream does.
	if insp.ID != "" {
		return insp.ID, nil
	}
	return imageID, nil
}

func (p *Provider) pull(ctx context.Context, cli *client.Client, img string, auth registry.AuthConfig, platform, urn string) error {
	enc, err := registry.EncodeAuthConfig(auth)
	if err != nil {
		return err
	}
	out, err := cli.ImagePull(ctx, img, imagetypes.PullOptions{RegistryAuth: enc, Platform: platform})
	if err != nil {
		return err
	}
	defer out.Close()
	_, err = p.stream(ctx, out, urn)
	return err
}

// message is one line of the Engine API's JSON progress stream.
type message struct {
	Stream      string                    `json:"stream"`
	Status      string                    `json:"status"`
	Progress    string                    `json:"progress"`
	ID          string                    `json:"id"`
	Error       string                    `json:"error"`
	ErrorDetail *struct{ Message string } `json:"errorDetail"`
	Aux         json.RawMessage           `json:"aux"`
}

// stream relays a progress stream to the Pulumi engine as status messages and
// returns the image ID announced in it, failing on an error message.
func (p *Provider) stream(ctx context.Context, r io.Reader, urn string) (string, error) {
	var imageID string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1024*1024), 64*1024*1024)
	for sc.Scan() {
		var m message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			continue
		}
		if m.Error != "" {
			return "", fmt.Errorf("%s", m.Error)
		}
		if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
			return "", fmt.Errorf("%s", m.ErrorDetail.Message)
		}
		switch {
		case m.ID == "moby.buildkit.trace" && len(m.Aux) > 0:
			p.buildkitTrace(ctx, m.Aux, urn)
		case m.ID == "moby.image.id" && len(m.Aux) > 0:
			var aux struct{ ID string }
			if json.Unmarshal(m.Aux, &aux) == nil {
				imageID = aux.ID
			}
		case len(m.Aux) > 0:
			var aux struct{ ID string }
			if json.Unmarshal(m.Aux, &aux) == nil && aux.ID != "" {
				imageID = aux.ID
			}
		case strings.TrimSpace(m.Stream) != "":
			p.status(ctx, urn, strings.TrimSpace(m.Stream))
		case m.Status != "":
			s := m.Status
			if m.ID != "" {
				s = m.ID + ": " + s
			}
			p.status(ctx, urn, s)
		}
	}
	return imageID, sc.Err()
}

// buildkitTrace logs the completed steps and the errors of a BuildKit status.
func (p *Provider) buildkitTrace(ctx context.Context, aux json.RawMessage, urn string) {
	var b64 string
	if json.Unmarshal(aux, &b64) != nil {
		return
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return
	}
	var st controlapi.StatusResponse
	if proto.Unmarshal(raw, &st) != nil {
		return
	}
	for _, v := range st.Vertexes {
		if v.Error != "" {
			p.log(ctx, diag.Info, urn, fmt.Sprintf("%s: %s", v.Name, v.Error))
		} else if v.Completed != nil {
			p.status(ctx, urn, v.Name)
		}
	}
	for _, l := range st.Logs {
		if s := strings.TrimSpace(string(l.Msg)); s != "" {
			p.status(ctx, urn, s)
		}
	}
}
