package main

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"

	"railstack.local/toolchain/docker/image"
)

// router is the bridged provider with the Image resource's calls diverted to
// the native implementation. Configure goes to both.
type router struct {
	pulumirpc.ResourceProviderServer // the bridged Terraform provider
	image                            *image.Provider
}

func isImage(urn string) bool {
	return resource.URN(urn).IsValid() && string(resource.URN(urn).Type()) == image.Token
}

func (r *router) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	resp, err := r.ResourceProviderServer.Configure(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := r.image.Configure(req.GetArgs(), req.GetVariables()); err != nil {
		return nil, err
	}
	return resp, nil
}

func (r *router) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if isImage(req.GetUrn()) {
		return r.image.Check(ctx, req)
	}
	return r.ResourceProviderServer.Check(ctx, req)
}

func (r *router) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if isImage(req.GetUrn()) {
		return r.image.Diff(ctx, req)
	}
	return r.ResourceProviderServer.Diff(ctx, req)
}

func (r *router) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if isImage(req.GetUrn()) {
		return r.image.Create(ctx, req)
	}
	return r.ResourceProviderServer.Create(ctx, req)
}

func (r *router) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if isImage(req.GetUrn()) {
		return r.image.Read(ctx, req)
	}
	return r.ResourceProviderServer.Read(ctx, req)
}

func (r *router) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	if isImage(req.GetUrn()) {
		return r.image.Update(ctx, req)
	}
	return r.ResourceProviderServer.Update(ctx, req)
}

func (r *router) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	if isImage(req.GetUrn()) {
		return r.image.Delete(ctx, req)
	}
	return r.ResourceProviderServer.Delete(ctx, req)
}
