"""The web/API process: REST API, admin UI, agent panel, wallboard (growing)."""
