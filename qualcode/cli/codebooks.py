"""CLI commands: codebooks."""
