"""What this machine says, read with the standard library only: the boot clock, processes and
their ttys, the terminal's variables, atomic files, logging to the journal.

Used by every layer (the hook included, so nothing heavy is imported here).
"""
