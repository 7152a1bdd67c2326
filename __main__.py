"""railstack's Pulumi program: the stack this project's `Pulumi.<stack>.yaml` configures.

Everything is in `railstack.program.deploy` (a user's own program calls the same function): the
configuration is validated before any resource is registered, so a bad `Pulumi.<stack>.yaml` fails
the preview with one line per problem and touches nothing.
"""

import pulumi

from railstack.program import deploy, export_outputs

export_outputs(deploy(pulumi.get_stack(), pulumi.Config("railstack").get_object("stack")))
