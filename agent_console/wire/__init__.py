"""The wire level: bus names and addresses, D-Bus marshalling, the asyncio connection, the
blocking transport, a session's wire form and the errors a reply can carry.

Shared by the daemon and the clients; it knows nothing of either.
"""
