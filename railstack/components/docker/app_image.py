"""AppImage on local Docker: the one image every app role runs, built from the project's app
directory with pulumi-docker, or an existing image reference.

A built image is tracked twice: `docker.Image` builds it (rebuilding when any file of the build
context changes), and a `docker.RemoteImage` on the built image's id owns the local copy, so a
rebuild removes the image it replaces and `pulumi destroy` removes the last one (docker.Image
itself never deletes). Containers run the image by id, so a rebuild replaces them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_docker as docker

from railstack.plan import AppSource


@dataclass(frozen=True)
class AppImageArgs:
    source: AppSource
    image_name: str
    """Local name of a built image, e.g. railstack-dev-app:latest."""


class AppImage(pulumi.ComponentResource):
    """The app image on the local engine."""

    image_id: pulumi.Output[str]
    """Image id (sha256:...) the app containers run."""
    reference: pulumi.Output[str]
    """The name the image is known by (the built tag, or the configured reference)."""

    def __init__(self, name: str, args: AppImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("railstack:docker:AppImage", name, None, opts)
        source = args.source
        child = pulumi.ResourceOptions(parent=self)
        if source.path is not None:
            built = docker.Image(
                f"{name}-build",
                image_name=args.image_name,
                build=docker.DockerBuildArgs(
                    context=source.path,
                    dockerfile=f"{source.path}/{source.dockerfile_path}",
                    args=dict(source.build_args),
                ),
                skip_push=True,
                opts=child,
            )
            local = docker.RemoteImage(
                f"{name}-local",
                name=built.repo_digest,
                keep_locally=False,
                force_remove=True,
                opts=child,
            )
            self.reference = built.image_name
        else:
            # Someone else's image (a registry's, or built outside the stack): pulled if absent, kept on destroy.
            local = docker.RemoteImage(f"{name}-pulled", name=source.image, keep_locally=True, opts=child)
            self.reference = pulumi.Output.from_input(source.image)  # type: ignore[arg-type]
        self.image_id = local.image_id
        self.register_outputs({"image_id": self.image_id, "reference": self.reference})
