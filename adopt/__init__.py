"""`scripts/adopt`: bring a Railway project made by hand (in the dashboard) under railstack.

It reads the project (read-only queries, `adopt.inventory`), places each service in one of railstack's
roles (`adopt.mapping`, pure functions on what was read) and writes `Pulumi.<stack>.yaml` with the
stack's configuration and the import ID of every Railway object railstack will manage, keeping the
data stores' passwords as encrypted stack secrets (`adopt.stack_file`). The next `pulumi up` imports
those objects instead of creating new ones. Nothing in Railway changes while adopting.

A project that cannot be mapped (an unplaceable service, two APIs, two app images, ...) fails with
every problem listed, and nothing is written.
"""
