"""CLI commands: suggest."""
