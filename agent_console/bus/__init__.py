"""The D-Bus layer: wire format, connection, service object and daemon."""
