"""Following remote hosts over SSH into the local daemon: ``agent-console remote``."""
