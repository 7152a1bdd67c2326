"""A Pulumi program of your own that uses railstack as a library: the stack is configured in code.

Install the Railway SDK and railstack into the program's virtualenv (see README.md), then
`pulumi up`. The configuration is the same model `Pulumi.<stack>.yaml` holds (railstack.StackConfig),
and `deploy` merges the fields set here over the environment profile exactly as it merges a
`Pulumi.<stack>.yaml` (staging: daily backups, Redis 0.5 vCPU / 0.5 GB, the default workers), then
checks it (references, plain values that look like secrets, the workspace's plan) before any resource
is registered. For production use `StackConfig.for_environment("production", ...)`: the profile
supplies the backups and protection production requires, which `StackConfig(...)` alone refuses.
"""

import pulumi

from railstack import AppSource, StackConfig, deploy
from railstack.stacks.model import Deployments, WorkerRole

stack = pulumi.get_stack()
config = StackConfig(
    target="railway",
    environment="staging",
    project_name=f"shop-{stack}",
    app=AppSource(image=pulumi.Config().get("image") or "ghcr.io/acme/shop:1.0.0"),
    # One worker for two queues, instead of the default workers (which the profile would add).
    workers={
        "orders": WorkerRole(queues=["orders", "emails"]),
        "logs": WorkerRole(enabled=False),
        "content_generation": WorkerRole(enabled=False),
    },
    variables={"LOG_LEVEL": "info", "PUBLIC_URL": "https://${api.public_domain}"},
    deployments=Deployments(poll_seconds=0.5),
)
app = deploy(stack, config)

pulumi.export("api_url", app.api_url)
pulumi.export("railway_services", getattr(app, "service_ids", {}))
