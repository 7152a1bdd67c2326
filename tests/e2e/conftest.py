"""What the container-mode tests share: the local engine with the base images and the reference app's
image built once per session (tests/e2e/test_staging_on_emulated_railway.py, test_adopt_hand_made_project.py)."""

from __future__ import annotations

import docker
import pytest

from support.pulumi_cli import ROOT
from tests.e2e.test_staging_on_emulated_railway import APP_IMAGE, IMAGE_MAP


@pytest.fixture(scope="session")
def app_engine() -> docker.DockerClient:
    client = docker.from_env(timeout=600)
    for image in IMAGE_MAP.values():
        client.images.get(image)  # scripts/base-images builds them; missing is a failure, not a skip
    client.images.build(
        path=str(ROOT / "app"), buildargs={"BASE_IMAGE": "railstack/python:3.11"}, tag=APP_IMAGE, rm=True
    )
    return client
