"""railstack's own Pulumi providers (Railway has no installable Pulumi package)."""
