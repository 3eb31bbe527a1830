"""Imported first in the ``forkserver`` process the service's workers are forked from.

A signal sent to the server's whole process group (Ctrl-C in a terminal, ``systemctl stop``,
``docker stop``, ``kill -TERM -PGID``) also reaches the fork server and the workers. The server
alone decides what happens then (drain: running jobs finish or are marked ``interrupted``), so
the fork server ignores SIGINT and SIGTERM: were it to die, every worker would be orphaned and
end (its watchdog sees the parent gone) in the middle of its job. It still ends with the server
(``multiprocessing`` closes it when the server's end of its pipe closes).

Only the fork server runs this (``python -c 'from multiprocessing.forkserver import main; ...'``):
imported anywhere else, the module does nothing.
"""

from __future__ import annotations

import signal
import sys

__all__ = ["in_forkserver"]


def in_forkserver() -> bool:
    """Whether this process is a ``multiprocessing`` fork server."""
    return sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules and \
        not hasattr(sys.modules.get("__main__"), "__file__")


if in_forkserver():  # pragma: no cover - runs in the fork server only
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
