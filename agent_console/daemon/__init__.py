"""The daemon: the store and its rules, validation, configuration, clocks, the D-Bus object that
serves them, and the composition root that wires them to the bus and the agents' observers.

Nothing here is imported by the faces or the hook: they reach the daemon over the bus only.
"""
