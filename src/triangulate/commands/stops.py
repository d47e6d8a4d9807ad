"""How a command ends when it is stopped: Ctrl-C (SIGINT) or SIGTERM.

Either raises :class:`KeyboardInterrupt` in the command, so that its transactions roll
back (or have committed whole) and its files close on the way out. A command then ends
with one line on stderr and the status of a command ended by the signal, 128 + its
number: ``interrupted`` and 130 for Ctrl-C, ``stopped (SIGTERM)`` and 143 for SIGTERM
(what `timeout`, systemd and `docker stop` send). ``ingest`` says first what it stored;
``watch`` and ``serve``, whose normal end is a stop, say ``stopped`` and exit 0.

Standard library only, so that the command line loads it before any command's module.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

#: The signal that stopped the command, once SIGTERM has (Ctrl-C leaves it empty).
_STOPPED_BY: list[int] = []


def _sigterm_interrupts(signum: int, frame: object) -> None:
    _STOPPED_BY.append(signum)
    raise KeyboardInterrupt


def stop_on_sigterm() -> list[int]:
    """Make SIGTERM stop the command the way Ctrl-C does. The returned list gets the signal
    number once it arrives; every caller of one run gets the same list. Signal handlers
    belong to the main thread: elsewhere (an application that runs a command in a thread)
    this does nothing."""
    try:
        previous = signal.signal(signal.SIGTERM, _sigterm_interrupts)
    except (AttributeError, ValueError):  # no SIGTERM on this system, or not the main thread
        return []
    if previous is not _sigterm_interrupts:
        _STOPPED_BY.clear()
    return _STOPPED_BY


def stopped_how() -> str:
    """How the command was stopped, as its last line says: ``interrupted`` (Ctrl-C) or
    ``stopped (SIGTERM)``."""
    return "stopped (SIGTERM)" if _STOPPED_BY else "interrupted"


def stopped_status() -> int:
    """128 + the number of the signal that stopped the command: 130 Ctrl-C, 143 SIGTERM."""
    return 128 + (_STOPPED_BY[0] if _STOPPED_BY else int(signal.SIGINT))


def exit_stopped() -> NoReturn:
    """End a stopped command: ``interrupted`` or ``stopped (SIGTERM)`` on stderr, no
    traceback, exit status 130 or 143."""
    print(stopped_how(), file=sys.stderr, flush=True)
    sys.exit(stopped_status())


def stops_end_the_process() -> None:
    """From now on, Ctrl-C or SIGTERM ends the process at once, quietly, with 130 or 143:
    for the interpreter's own exit, once the command is done (its transactions committed
    or rolled back), where a stop would otherwise print a traceback from an exit handler."""

    def at_once(signum: int, frame: object) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, RuntimeError, ValueError):  # a closed pipe, a flush it interrupted
                pass
        os._exit(128 + (_STOPPED_BY[0] if _STOPPED_BY else signum))

    for name in ("SIGINT", "SIGTERM"):
        try:
            signal.signal(getattr(signal, name), at_once)
        except (AttributeError, ValueError):  # not on this system, or not the main thread
            pass


@contextmanager
def stops_end_the_command() -> Iterator[None]:
    """Ctrl-C or SIGTERM in the block ends the command by :func:`exit_stopped`."""
    try:
        yield
    except KeyboardInterrupt:
        exit_stopped()
