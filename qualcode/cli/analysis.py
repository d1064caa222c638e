"""CLI commands: analysis."""
