"""Who may do what: API tokens, passwords, sign-in throttling, sessions and roles (no HTTP here)."""
