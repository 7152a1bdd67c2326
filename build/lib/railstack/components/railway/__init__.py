"""The stack on Railway: one project per stack, with Postgres, Redis and one service per app role."""
