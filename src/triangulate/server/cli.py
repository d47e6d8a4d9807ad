"""``triangulate serve``: run the web UI and the HTTP API (or answer one request with ``--get``)."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
from types import FrameType
from typing import Any, NoReturn

import click

from triangulate.server.app import DEFAULT_MAX_BODY, LOOPBACK_HOSTS, is_loopback

TOKEN_ENV = "TRIANGULATE_TOKEN"


@click.command("serve")
@click.option("--db", "db", type=click.Path(dir_okay=False), default=None, help="Corpus database (default: $TRIANGULATE_DB or ./triangulate.db).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on. Beyond loopback a --token is required.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--token", default=None, envvar=TOKEN_ENV, help=f"Bearer token that write endpoints require (or ${TOKEN_ENV}).")
@click.option("--allow-private", is_flag=True, help="Let submitted URLs reach loopback / private addresses (local testing only).")
@click.option("--max-body", default=DEFAULT_MAX_BODY, show_default=True, type=click.IntRange(1024), help="Largest request body in bytes.")
@click.option("--warm", default=20, show_default=True, type=click.IntRange(0), help="Analyse this many newest stories in the background at start.")
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="A name the Host header may give (repeatable; * for any). Default on loopback: localhost, 127.0.0.1, ::1 "
    "(a page of another site whose name points at 127.0.0.1 is refused); beyond loopback: any.",
)
@click.option("--get", "get_path", default=None, metavar="PATH", help="Answer one GET request in-process, print the response and exit (no server).")
@click.option("-i", "--include", is_flag=True, help="With --get: print the status line and headers too.")
def serve(
    db: str | None,
    host: str,
    port: int,
    token: str | None,
    allow_private: bool,
    max_body: int,
    warm: int,
    allowed_hosts: tuple[str, ...],
    get_path: str | None,
    include: bool,
) -> None:
    """Run the web UI and the HTTP API over the corpus.

    Open http://127.0.0.1:8000/ for the stories, /docs for the API. Example:

        triangulate serve --db news.db

        triangulate serve --db news.db --get /api/stories

    \b
    Stop it with Ctrl-C or SIGTERM (a service stop): the requests in flight are
    answered, it says "stopped" and exits 0.
    """
    from triangulate.corpus.store import default_db_path, missing_corpus
    from triangulate.errors import TriangulateError
    from triangulate.server.app import create_app

    path = db if db is not None else str(default_db_path())
    if not path.strip():
        # An empty --db names no database, as for every corpus command (not ./triangulate.db).
        from triangulate.corpus.store import EMPTY_DB_PATH
        from triangulate.errors import StoreError

        _fail(StoreError(EMPTY_DB_PATH, code="E504"))
    hosts = allowed_hosts or (LOOPBACK_HOSTS + ((host,) if host not in LOOPBACK_HOSTS else ()) if is_loopback(host) else ("*",))
    if get_path is not None:
        if not get_path.startswith("/"):
            raise click.BadParameter("give a path starting with /, e.g. /api/stories", param_hint="--get")
        from fastapi.testclient import TestClient

        missing = missing_corpus(path)
        if missing is not None:
            _fail(missing)
        try:
            app = create_app(path, token=token, allow_private=allow_private, max_body=max_body)
        except TriangulateError as exc:
            _fail(exc)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
            response = client.get(get_path, headers=headers)
        if include:
            click.echo(f"HTTP/1.1 {response.status_code} {response.reason_phrase}")
            for name, value in response.headers.items():
                click.echo(f"{name}: {value}")
            click.echo("")
        click.echo(response.text)
        if response.status_code >= 400:
            sys.exit(1)
        return
    if not is_loopback(host) and not token:
        raise click.UsageError(
            f"refusing to listen on {host} without a token: anyone who can reach it could write to the corpus. "
            f"Give --token (or ${TOKEN_ENV}), or listen on 127.0.0.1."
        )
    import uvicorn

    if path != ":memory:" and not os.path.exists(path):
        click.echo(f"triangulate: no corpus at {os.path.abspath(path)}: starting an empty one there", err=True)
    try:
        app = create_app(path, token=token, allow_private=allow_private, max_body=max_body, warm=warm, allowed_hosts=hosts)
    except TriangulateError as exc:
        _fail(exc)
    sock = _listen(host, port)
    port = sock.getsockname()[1]  # the one the system chose for --port 0
    shown = f"[{host}]" if ":" in host else host
    serving = f"triangulate: serving {os.path.abspath(path)} on http://{shown}:{port}/ (API docs at /docs)"
    stopped_by = _serve_until_stopped(uvicorn.Config(app, log_level="warning", server_header=False), sock, serving)
    if stopped_by is not None:
        # Once it serves, a server's normal end is a stop, as a watch's is: it says so and exits 0.
        click.echo("stopped (SIGTERM)" if stopped_by == signal.SIGTERM else "stopped", err=True)
    exit_past_running_reports()


def exit_past_running_reports() -> None:
    """End the process now when a story report is still being computed on a worker thread.

    The model runs it in native threads that the interpreter's own exit would tear down
    under it ("terminate called without an active exception", SIGABRT, exit 134). The
    server has answered its requests and closed the corpus by then; the report was only
    going to a cache, and SQLite rolls back a transaction left open, so nothing stored is lost.
    """
    busy = [t for t in threading.enumerate() if t.is_alive() and t.name.startswith(("triangulate-report", "triangulate-warm"))]
    if busy:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _serve_until_stopped(config: Any, sock: socket.socket, serving: str) -> int | None:
    """Say ``serving``, then serve until Ctrl-C or SIGTERM; the number of the signal that
    stopped the server.

    uvicorn answers both itself once it runs: it finishes the requests in flight, then
    raises the signal again, which is only noted here. A stop that comes before uvicorn
    listens for it (from the line that says it serves on, while the event loop is set up)
    is held, and handed to uvicorn once it has started: a stop never cuts the setting up
    or the shutting down of the server short."""
    import uvicorn

    held: list[int] = []

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if held:  # stopped while it was being set up: it stops now
                self.handle_exit(held[0], None)

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        click.echo(serving, err=True)
        Server(config).run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            if handler is not None:
                signal.signal(sig, handler)
    return held[0] if held else None


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` before anything is printed: a port in use is a clear error."""
    from triangulate.errors import ConfigError

    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        _fail(ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", code="E701"))
    return sock


def _fail(exc: Exception) -> NoReturn:
    """A library error as the other corpus commands print it, with its exit status."""
    from triangulate.commands.console import err_console, print_error
    from triangulate.errors import TriangulateError

    print_error(err_console(), exc)
    sys.exit(exc.exit_code if isinstance(exc, TriangulateError) else 1)
