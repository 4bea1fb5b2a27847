"""Where this ``agent-console`` lives: what units, hooks and the notifier's focus call run.

A module of its own so the notifier and the installers share it without importing each other.
"""

import os
import shutil
import sys


def running_executable(argv0: str | None = None) -> str:
    """The absolute path this ``agent-console`` was started as.

    Symlinks are kept, not resolved: pipx and Homebrew link a stable path to a
    versioned one, and the stable path survives an upgrade.
    """
    argv0 = argv0 if argv0 is not None else sys.argv[0]
    if os.sep not in argv0:
        argv0 = shutil.which(argv0) or argv0
    return os.path.abspath(argv0)
