"""Clients of the daemon: the asyncio one for long-lived faces, the blocking one for one-shot
commands, and the mirror and follow loop that keep a local copy of the store from its signals.

Empty on purpose: a one-shot command imports only the blocking client, not the asyncio stack.
"""
