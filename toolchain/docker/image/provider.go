package image

import (
	"context"
	"fmt"
	"reflect"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Provider serves the CRUD calls of the Image resource. The plugin routes the
// calls for Token here and everything else to the bridged Terraform provider.
type Provider struct {
	host   *provider.HostClient
	config Config
}

// NewProvider returns an Image provider that logs through host (may be nil).
func NewProvider(host *provider.HostClient) *Provider { return &Provider{host: host} }

// Configure records the provider configuration (the same docker:* keys the
// Terraform provider reads: host, sshOpts, caMaterial, ...).
func (p *Provider) Configure(args *structpb.Struct, vars map[string]string) error {
	cfg, err := configFrom(args, vars)
	if err != nil {
		return err
	}
	p.config = cfg
	return nil
}

var unmarshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, unmarshalOpts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, unmarshalOpts)
}

func (p *Provider) log(ctx context.Context, sev diag.Severity, urn string, msg string) {
	if p.host != nil {
		_ = p.host.Log(ctx, sev, resource.URN(urn), msg)
	}
}

func (p *Provider) status(ctx context.Context, urn string, msg string) {
	if p.host != nil {
		_ = p.host.LogStatus(ctx, diag.Info, resource.URN(urn), msg)
	}
}

// Check validates the inputs and applies the schema defaults. When the build
// context is known it also records a digest of its contents under
// build.contextDigest, so that a change to any file in the context is a diff.
func (p *Provider) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	fail := func(prop, reason string) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: prop, Reason: reason})
	}

	name := plain(news["imageName"])
	switch {
	case name.IsComputed():
	case name.IsString() && name.StringValue() != "":
	default:
		fail("imageName", "imageName is required: the image name, e.g. docker.io/username/demo-image:v1")
	}
	for _, k := range []resource.PropertyKey{"skipPush", "buildOnPreview"} {
		v := plain(news[k])
		if v.IsNull() {
			news[k] = resource.NewBoolProperty(false)
		} else if !v.IsBool() && !v.IsComputed() {
			fail(string(k), fmt.Sprintf("%s must be a boolean", k))
		}
	}

	b, err := parseBuild(news["build"], true)
	if err != nil {
		fail("build", err.Error())
	} else if b.known {
		digest, derr := contextDigest(b)
		if derr != nil {
			fail("build", derr.Error())
		} else {
			obj := resource.PropertyMap{}
			if bv := plain(news["build"]); bv.IsObject() {
				obj = bv.ObjectValue().Copy()
			}
			obj["contextDigest"] = resource.NewStringProperty(digest)
			news["build"] = resource.NewObjectProperty(obj)
		}
	}

	if reg := plain(news["registry"]); !reg.IsNull() && !reg.IsObject() && !reg.IsComputed() {
		fail("registry", "registry must be an object with server, username and password")
	}

	inputs, err := marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, nil
}

// plain drops a secret marker.
func plain(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsOutput() {
		o := v.OutputValue()
		if !o.Known {
			return resource.MakeComputed(resource.NewStringProperty(""))
		}
		return plain(o.Element)
	}
	return v
}

// Diff compares the previous inputs (kept in the state) with the new ones.
// Registry credentials do not cause a rebuild; anything else is an update.
func (p *Provider) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	if req.GetOldInputs() != nil {
		if oi, err := unmarshal(req.GetOldInputs()); err == nil && len(oi) > 0 {
			olds = oi
		}
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	ignored := map[string]bool{}
	for _, k := range req.GetIgnoreChanges() {
		ignored[k] = true
	}
	diffs := []string{}
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for _, k := range []resource.PropertyKey{"imageName", "build", "skipPush", "registry"} {
		if ignored[string(k)] {
			continue
		}
		o, n := olds[k], news[k]
		if k == "registry" {
			o, n = registryServerOnly(o), registryServerOnly(n)
		}
		if plain(n).ContainsUnknowns() || !reflect.DeepEqual(strip(o), strip(n)) {
			diffs = append(diffs, string(k))
			kind := pulumirpc.PropertyDiff_UPDATE
			if o.IsNull() {
				kind = pulumirpc.PropertyDiff_ADD
			} else if n.IsNull() {
				kind = pulumirpc.PropertyDiff_DELETE
			}
			detailed[string(k)] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
		}
	}
	sort.Strings(diffs)
	changes := pulumirpc.DiffResponse_DIFF_NONE
	if len(diffs) > 0 {
		changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{
		Changes: changes, Diffs: diffs, DetailedDiff: detailed, HasDetailedDiff: true,
	}, nil
}

func registryServerOnly(v resource.PropertyValue) resource.PropertyValue {
	v = plain(v)
	if !v.IsObject() {
		return v
	}
	return resource.NewObjectProperty(resource.PropertyMap{"server": v.ObjectValue()["server"]})
}

// strip turns a property value into plain Go values (no secrets) for comparison.
func strip(v resource.PropertyValue) interface{} {
	v = plain(v)
	switch {
	case v.IsNull():
		return nil
	case v.IsObject():
		m := map[string]interface{}{}
		for k, e := range v.ObjectValue() {
			if s := strip(e); s != nil {
				m[string(k)] = s
			}
		}
		if len(m) == 0 {
			return nil
		}
		return m
	case v.IsArray():
		var a []interface{}
		for _, e := range v.ArrayValue() {
			a = append(a, strip(e))
		}
		return a
	default:
		return v.V
	}
}

// Create builds (and pushes) the image.
func (p *Provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	inputs, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	id, outs, err := p.apply(ctx, req.GetUrn(), inputs, req.GetPreview())
	if err != nil {
		return nil, err
	}
	props, err := marshal(outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

// Update rebuilds (and pushes) the image.
func (p *Provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	inputs, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	_, outs, err := p.apply(ctx, req.GetUrn(), inputs, req.GetPreview())
	if err != nil {
		return nil, err
	}
	props, err := marshal(outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// Read returns the recorded state: the image may live only in a registry, so
// there is nothing local to refresh it from.
func (p *Provider) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// Delete leaves the image alone, locally and in the registry (as upstream).
func (p *Provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// apply is Create and Update: in a preview (unless buildOnPreview) it only
// fills in what is known; otherwise it builds, pushes and inspects.
func (p *Provider) apply(ctx context.Context, urn string, inputs resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	outs := inputs.Copy()
	name := plain(inputs["imageName"])
	regServer := ""
	if reg := plain(inputs["registry"]); reg.IsObject() {
		if s := plain(reg.ObjectValue()["server"]); s.IsString() {
			regServer = s.StringValue()
		}
	}
	b, berr := parseBuild(inputs["build"], false)
	unknown := resource.MakeComputed(resource.NewStringProperty(""))

	outs["baseImageName"] = inputs["imageName"]
	outs["registryServer"] = resource.NewStringProperty(regServer)
	if berr == nil {
		outs["context"] = resource.NewStringProperty(b.Context)
		outs["dockerfile"] = resource.NewStringProperty(b.Dockerfile)
		if b.Platform != "" {
			outs["platform"] = resource.NewStringProperty(b.Platform)
		}
	}

	buildOnPreview := plain(inputs["buildOnPreview"])
	if preview && !(buildOnPreview.IsBool() && buildOnPreview.BoolValue()) {
		outs["repoDigest"] = unknown
		return "", outs, nil
	}
	if berr != nil {
		return "", nil, berr
	}
	if !name.IsString() || !b.known || inputs.ContainsUnknowns() {
		if preview {
			outs["repoDigest"] = unknown
			return "", outs, nil
		}
		return "", nil, fmt.Errorf("image inputs are still unknown outside of a preview")
	}
	skip := plain(inputs["skipPush"])
	req := buildRequest{
		URN:      urn,
		Name:     name.StringValue(),
		Build:    b,
		SkipPush: (skip.IsBool() && skip.BoolValue()) || preview,
		Registry: registryFrom(inputs["registry"]),
	}
	digest, err := p.buildAndPush(ctx, req)
	if err != nil {
		return "", nil, err
	}
	outs["repoDigest"] = resource.NewStringProperty(digest)
	return req.Name, outs, nil
}
