"""Stack configuration: the typed model (`model`), environment profiles (`profiles/`), loading (`load`)."""
