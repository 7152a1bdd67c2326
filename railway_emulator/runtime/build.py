"""Container mode's repository builds (docs/railway-api.md, "Repository builds"): a deployment of a
repo source builds its commit into an image, which then runs as an image source does.

- The commit's tree is exported with `git archive` into a scratch folder, never the working tree, and
  removed afterwards. The context is the root directory; the Dockerfile is `dockerfilePath` (or the
  service variable RAILWAY_DOCKERFILE_PATH) relative to it, or from the repository root with a
  leading `/`, else `Dockerfile` there (docs builds/dockerfiles.md); the guides' ambiguous form and a
  missing Dockerfile fail (the emulator never approximates Railpack or Nixpacks).
- Build args are the rendered and Railway-provided variables the Dockerfile declares with `ARG`
  ("Using variables at build time").
- `docker build` runs through the SDK's low-level API, streamed into the build log (`buildLogs`)
  while BUILDING; a failed build ends FAILED with its error last, nothing runs and the previous
  deployment stays live.
- The image, tagged and labelled per deployment, goes with its deployment and the runtime's cleanup.
- `buildCommand` is not run by a Dockerfile build (a warning in the build log; the emulator's reading).
"""

from __future__ import annotations

import re
import shlex
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from railway_emulator.repos import RepoError, Repos
from railway_emulator.runtime.resources import BUILD_LABEL, EngineResources
from railway_emulator.runtime.runs import DeploymentRun, RunBook

if TYPE_CHECKING:
    from railway_emulator.state import Deployment


class BuildRefused(RuntimeError):
    """A repository source the emulator cannot build; `lines` go to the build log."""

    def __init__(self, *lines: str) -> None:
        super().__init__(" ".join(lines))
        self.lines = list(lines)


def _inside(folder: Path, path: Path) -> bool:
    return path == folder or folder in path.parents


def locate_dockerfile(
    checkout: Path, root_directory: str | None, dockerfile_path: str | None, setting: str, builder: str
) -> tuple[Path, Path]:
    """(build context, Dockerfile) of a checked-out commit (docs/railway-api.md, "Repository builds").

    The context is the root directory (leading `/` optional; default the repository root). A
    Dockerfile path is read relative to the root directory, or from the repository root when it
    starts with `/` (docs builds/dockerfiles.md, "Custom Dockerfile path"); unset, `Dockerfile` at the
    root directory. A relative path that resolves only from the repository root (the guides' form,
    `backend/Dockerfile.railway` with root `backend`) fails naming both readings: the docs do not say
    which applies, and the stricter reading refuses. `setting` names where the path came from
    (`dockerfilePath` or the service variable `RAILWAY_DOCKERFILE_PATH`).
    """
    checkout = checkout.resolve()
    root = (root_directory or "").strip().strip("/")
    context = (checkout / root).resolve()
    if not _inside(checkout, context) or not context.is_dir():
        raise BuildRefused(f"The root directory {root_directory} does not exist in the commit")
    shown_root = f"/{root}" if root else "/"
    if dockerfile_path:
        if dockerfile_path.startswith("/"):
            candidate = (checkout / dockerfile_path.lstrip("/")).resolve()
            if _inside(checkout, candidate) and candidate.is_file():
                return context, candidate
            raise BuildRefused(f"{setting} {dockerfile_path}: no such file from the repository root")
        candidate = (context / dockerfile_path).resolve()
        if _inside(checkout, candidate) and candidate.is_file():
            return context, candidate
        from_repo_root = (checkout / dockerfile_path).resolve()
        if root and _inside(checkout, from_repo_root) and from_repo_root.is_file():
            raise BuildRefused(
                f"{setting} {dockerfile_path} is ambiguous with the root directory {shown_root}: read relative to "
                f"the root directory it is {shown_root.rstrip('/')}/{dockerfile_path}, which does not exist; read "
                f"from the repository root it is /{dockerfile_path}, which exists. Railway's docs do not say "
                "which reading applies, so the emulator takes neither: write it relative to the root directory, "
                f"or from the repository root with a leading / (/{dockerfile_path})"
            )
        raise BuildRefused(f"{setting} {dockerfile_path}: no such file relative to the root directory {shown_root}")
    candidate = context / "Dockerfile"
    if candidate.is_file():
        return context, candidate
    raise BuildRefused(
        f"No Dockerfile at the root directory {shown_root}: Railway would build it with its builder "
        f"{builder}, which the emulator cannot run (it builds Dockerfiles only and never approximates a builder)"
    )


_ARG = re.compile(r"^\s*ARG\s+(.*)$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def declared_args(dockerfile: str) -> set[str]:
    """The names a Dockerfile declares with `ARG`, in any stage (docs builds/dockerfiles.md, "Using
    variables at build time": only those get a build-time value)."""
    joined = re.sub(r"\\[ \t]*\r?\n", " ", dockerfile)
    names = set()
    for line in joined.splitlines():
        match = _ARG.match(line)
        if not match:
            continue
        try:
            words = shlex.split(match.group(1), comments=True)
        except ValueError:
            words = match.group(1).split()
        for word in words:
            name = word.split("=", 1)[0]
            if _NAME.match(name):
                names.add(name)
    return names


class RepositoryBuilder:
    """Builds the commits of repository sources into images, each into its deployment's build log."""

    def __init__(self, client: Any, repos: Repos, book: RunBook, resources: EngineResources) -> None:
        self.client = client
        self.repos = repos
        self.book = book
        self.resources = resources
        self.builds = 0
        """How many builds ran (counters' `builds`)."""

    def build(self, deployment: Deployment, run: DeploymentRun) -> bool:
        """Build the deployment's commit into an image (`spec.image`); False when it fails, its output
        and the error in the build log."""
        spec, build = run.spec, run.spec.build
        assert build is not None
        started = time.time()
        run.built = True
        with self.book.lock:
            self.builds += 1
        scratch = Path(tempfile.mkdtemp(prefix=f"rwe-{self.resources.instance_id}-build-"))
        try:
            self.book.log(
                deployment, f"Building {build.repo} at {build.commit} (branch {build.branch})", stream="build"
            )
            self.repos.export(build.repo, build.commit, scratch)
            context, dockerfile = locate_dockerfile(
                scratch, build.root_directory, build.dockerfile_path, build.dockerfile_setting, build.builder
            )
            # docs builds/dockerfiles.md, "How it works": Railway announces the Dockerfile it uses.
            self.book.log(deployment, "Using detected Dockerfile!", stream="build")
            if build.build_command:
                self.book.log(
                    deployment,
                    f"Warning: the build command {build.build_command!r} is not run by a Dockerfile build "
                    "(the emulator's reading: a Dockerfile build runs only the Dockerfile)",
                    "error",
                    stream="build",
                )
            declared = declared_args(dockerfile.read_text(errors="replace"))
            buildargs = {name: value for name, value in spec.environment.items() if name in declared}
            tag = f"rwe-{self.resources.instance_id}-build:{spec.deployment_id}"
            relative = dockerfile.relative_to(context) if _inside(context, dockerfile) else None
            error = None
            for chunk in self.client.api.build(
                path=str(context),
                # Outside the context, the SDK sends the Dockerfile's text along with the context.
                dockerfile=str(relative) if relative is not None else str(dockerfile),
                tag=tag,
                buildargs=buildargs,
                labels={**self.resources.deployment_labels(spec), BUILD_LABEL: spec.deployment_id},
                rm=True,
                forcerm=True,
                pull=False,
                decode=True,
            ):
                if "stream" in chunk:
                    for line in str(chunk["stream"]).splitlines():
                        if line.strip():
                            self.book.log(deployment, line, stream="build")
                elif "status" in chunk:
                    self.book.log(deployment, str(chunk["status"]), stream="build")
                if chunk.get("error"):
                    error = str(chunk["error"]).strip()
            if error is not None:
                self.book.log(deployment, error, "error", stream="build")
                self.book.log(deployment, "Build Failed", "error", stream="build")
                return False
            run.built_image = tag
            spec.image = tag
            return True
        except BuildRefused as refused:
            for line in refused.lines:
                self.book.log(deployment, line, "error", stream="build")
            return False
        except RepoError as error:
            self.book.log(
                deployment, f"Cannot check out {build.repo} at {build.commit}: {error}", "error", stream="build"
            )
            return False
        except Exception as error:  # noqa: BLE001 - docker.errors.BuildError, APIError: the build failed
            self.book.log(deployment, f"Build failed: {type(error).__name__}: {error}", "error", stream="build")
            return False
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            run.build_seconds = round(time.time() - started, 3)
