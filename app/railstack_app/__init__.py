"""railstack's reference app: an HTTP API, Celery workers and a beat, wired by the role contract.

One image runs every role; `python -m railstack_app <role>` (or `/app/entrypoint`) picks it.
"""
