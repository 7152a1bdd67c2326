// Package image implements docker:index/image:Image, the image-build resource
// of pulumi-docker v4+/5.x. Upstream implements it natively in Go (it is not a
// Terraform resource); this is railstack's own, smaller implementation of the
// same contract (inputs, outputs and defaults as in the pulumi-docker 5.2.0
// SDKs): build with the Docker Engine API (BuildKit or the classic builder),
// optionally push, report the repo digest.
package image

import (
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// Token is the resource type token of the Image resource.
const Token = "docker:index/image:Image"

const (
	tokDockerBuild    = "docker:index/dockerBuild:DockerBuild"
	tokRegistry       = "docker:index/registry:Registry"
	tokCacheFrom      = "docker:index/cacheFrom:CacheFrom"
	tokBuilderVersion = "docker:index/builderVersion:BuilderVersion"
)

func str() schema.TypeSpec { return schema.TypeSpec{Type: "string"} }
func ref(tok string) schema.TypeSpec {
	return schema.TypeSpec{Ref: "#/types/" + tok}
}
func strList() schema.TypeSpec {
	return schema.TypeSpec{Type: "array", Items: &schema.TypeSpec{Type: "string"}}
}

// SchemaTypes are the object and enum types the Image resource uses.
func SchemaTypes() map[string]schema.ComplexTypeSpec {
	return map[string]schema.ComplexTypeSpec{
		tokDockerBuild: {ObjectTypeSpec: schema.ObjectTypeSpec{
			Type:        "object",
			Description: "The Docker build context",
			Properties: map[string]schema.PropertySpec{
				"addHosts":       {TypeSpec: strList(), Description: "Custom host-to-IP mappings to use while building (format: \"host:ip\")"},
				"args":           {TypeSpec: schema.TypeSpec{Type: "object", AdditionalProperties: &schema.TypeSpec{Type: "string"}}, Description: "An optional map of named build-time argument variables to set during the Docker build. This flag allows you to pass build-time variables that can be accessed like environment variables inside the RUN instruction."},
				"builderVersion": {TypeSpec: ref(tokBuilderVersion), Description: "The version of the Docker builder."},
				"cacheFrom":      {TypeSpec: ref(tokCacheFrom), Description: "A list of image names to use as build cache. Images provided must have a cache manifest. Must provide authentication to cache registry."},
				"context":        {TypeSpec: str(), Description: "The path to the build context to use."},
				"dockerfile":     {TypeSpec: str(), Description: "The path to the Dockerfile to use."},
				"network":        {TypeSpec: str(), Description: "Set the networking mode for RUN instructions"},
				"platform":       {TypeSpec: str(), Description: "The architecture of the platform you want to build this image for, e.g. `linux/arm64`."},
				"target":         {TypeSpec: str(), Description: "The target of the Dockerfile to build"},
			},
		}},
		tokRegistry: {ObjectTypeSpec: schema.ObjectTypeSpec{
			Type:        "object",
			Description: "Describes a Docker container registry",
			Properties: map[string]schema.PropertySpec{
				"server":   {TypeSpec: str(), Description: "The URL of the Docker registry server"},
				"username": {TypeSpec: str(), Description: "The username to authenticate to the registry. Does not cause image rebuild when changed."},
				"password": {TypeSpec: str(), Secret: true, Description: "The password to authenticate to the registry. Does not cause image rebuild when changed."},
			},
		}},
		tokCacheFrom: {ObjectTypeSpec: schema.ObjectTypeSpec{
			Type:        "object",
			Description: "Specifies information about where to obtain a cache",
			Properties: map[string]schema.PropertySpec{
				"images": {TypeSpec: strList(), Description: "Specifies cached images"},
			},
		}},
		tokBuilderVersion: {
			ObjectTypeSpec: schema.ObjectTypeSpec{Type: "string", Description: "The version of the Docker builder."},
			Enum: []schema.EnumValueSpec{
				{Name: "BuilderV1", Value: "BuilderV1", Description: "The first generation builder for Docker Daemon"},
				{Name: "BuilderBuildKit", Value: "BuilderBuildKit", Description: "The builder based on moby/buildkit project"},
			},
		},
	}
}

// SchemaResources holds the Image resource's schema.
func SchemaResources() map[string]schema.ResourceSpec {
	return map[string]schema.ResourceSpec{
		Token: {
			ObjectTypeSpec: schema.ObjectTypeSpec{
				Type: "object",
				Description: "`Image` builds a Docker image and optionally pushes it to a registry " +
					"(railstack's own implementation of pulumi-docker's native Image resource; " +
					"see toolchain/docker/README.md).",
				Properties: map[string]schema.PropertySpec{
					"imageName":      {TypeSpec: str(), Description: "The fully qualified image name"},
					"registryServer": {TypeSpec: str(), Description: "The URL of the registry server hosting the image."},
					"baseImageName":  {TypeSpec: str(), Description: "The fully qualified image name that was pushed to the registry."},
					"context":        {TypeSpec: str(), Description: "The path to the build context to use."},
					"dockerfile":     {TypeSpec: str(), Description: "The location of the Dockerfile relative to the docker build context."},
					"platform":       {TypeSpec: str(), Description: "The image's architecture and OS"},
					"repoDigest":     {TypeSpec: str(), Description: "The digest of the manifest pushed to the registry, e.g.: repo[:tag]@<algorithm>:<hash>"},
				},
				Required: []string{"baseImageName", "context", "dockerfile", "imageName", "registryServer", "repoDigest"},
			},
			InputProperties: map[string]schema.PropertySpec{
				"imageName":      {TypeSpec: str(), Description: "The image name, of the format repository[:tag], e.g. `docker.io/username/demo-image:v1`."},
				"build":          {TypeSpec: ref(tokDockerBuild), Description: "The Docker build context"},
				"buildOnPreview": {TypeSpec: schema.TypeSpec{Type: "boolean"}, Default: false, Description: "A flag to build an image on preview"},
				"registry":       {TypeSpec: ref(tokRegistry), Description: "The registry to push the image to"},
				"skipPush":       {TypeSpec: schema.TypeSpec{Type: "boolean"}, Default: false, Description: "A flag to skip a registry push."},
			},
			RequiredInputs: []string{"imageName"},
			Aliases:        []schema.AliasSpec{{Type: "docker:image:Image"}},
		},
	}
}
