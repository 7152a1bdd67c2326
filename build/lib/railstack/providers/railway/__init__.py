"""railstack's Railway provider: the plugin `pulumi-resource-railway` (package `railway`) over Railway's
public GraphQL API.

One module per Railway object holds its handler (declared inputs and state, create/read/update/
delete); the GraphQL documents they send are in `graphql/`; `schema.py` builds the package schema
from the handlers, `plugin.py` serves them to the Pulumi engine. Programs use the SDK generated from
the schema (`sdk/python`, `import railstack_railway as railway`), never these modules.
"""
