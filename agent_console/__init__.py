"""agent-console: at a glance, which coding-agent sessions need a person."""

__version__ = "0.1.0"
