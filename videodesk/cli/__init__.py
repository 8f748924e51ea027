"""Command-line entry points (flask --app app ...): tokens, worker, serve, seed, backups."""
