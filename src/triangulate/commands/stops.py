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
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import NoReturn, ParamSpec, TypeVar

_P = ParamSpec("_P")
_T = TypeVar("_T")

#: The signal that stopped the command, once SIGTERM has (Ctrl-C leaves it empty).
_STOPPED_BY: list[int] = []
#: How deep the main thread is in :func:`stops_handled` blocks (0: no command runs).
_DEPTH: list[int] = [0]


def _sigterm_interrupts(signum: int, frame: object) -> None:
    _STOPPED_BY.append(signum)
    raise KeyboardInterrupt


@contextmanager
def stops_handled() -> Iterator[None]:
    """For the length of one command, SIGTERM stops it the way Ctrl-C does.

    The outermost block starts the command with no stop noted and, when the command ends,
    puts back the SIGINT and SIGTERM handlers it found, so a program that runs commands in
    its own process (:func:`triangulate.cli.main`, click's ``CliRunner``) keeps its own
    handlers, and one command's SIGTERM is not the next one's. A block inside another is
    the same command. Signal handlers belong to the main thread: elsewhere (an application
    that runs a command in a thread) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return
    if _DEPTH[0]:
        _DEPTH[0] += 1
        try:
            yield
        finally:
            _DEPTH[0] -= 1
        return
    previous_int = signal.getsignal(signal.SIGINT)
    previous_term = signal.signal(signal.SIGTERM, _sigterm_interrupts)
    _STOPPED_BY.clear()
    _DEPTH[0] = 1
    try:
        yield
    finally:
        _DEPTH[0] = 0
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)


def handles_stops(command: Callable[_P, _T]) -> Callable[_P, _T]:
    """Run ``command`` in :func:`stops_handled` (for a command a caller may run by itself)."""

    @wraps(command)
    def handled(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        with stops_handled():
            return command(*args, **kwargs)

    return handled


def stopped_by_sigterm() -> bool:
    """Whether SIGTERM, not Ctrl-C, stopped the command."""
    return bool(_STOPPED_BY)


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
