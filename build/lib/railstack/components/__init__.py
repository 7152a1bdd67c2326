"""railstack's ComponentResources. Target-agnostic pieces live here; each target has a package
(`railway/`, later `docker/`) rendering the same stack model."""
