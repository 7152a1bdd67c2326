"""railstack's CrossGuard policy pack: the deployment guides' invariants, enforced on every preview.

`rules/` holds the policies (one module per topic), `inventory.py` how a stack's resources are
grouped into services and roles, `values.py` how properties are read, `config/` the enforcement
levels and budgets of each stack.
"""
