"""``agent-console dashboard``: a live terminal view of the sessions, built on Textual.

Only the ``dashboard`` command imports this package, so no other command
pays for Textual's start-up.
"""
