"""``agent-console notify``: desktop notifications when a session starts to need its person.

A client of the service like any other, never part of the daemon (which
stays headless): ``rules`` decides when a bubble goes up or away, ``server``
talks to ``org.freedesktop.Notifications``, ``osascript`` to macOS, ``onscreen``
asks tmux whether the session is in front of its person already, and ``app``
puts them on one event loop.
"""
