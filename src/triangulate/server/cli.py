"""``triangulate serve``: run the web UI and the HTTP API (or answer one request with ``--get``)."""

from __future__ import annotations

import os
import sys

import click

from triangulate.server.app import DEFAULT_MAX_BODY, is_loopback

TOKEN_ENV = "TRIANGULATE_TOKEN"


@click.command("serve")
@click.option("--db", "db", type=click.Path(dir_okay=False), default=None, help="Corpus database (default: $TRIANGULATE_DB or ./triangulate.db).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on. Beyond loopback a --token is required.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--token", default=None, envvar=TOKEN_ENV, help=f"Bearer token that write endpoints require (or ${TOKEN_ENV}).")
@click.option("--allow-private", is_flag=True, help="Let submitted URLs reach loopback / private addresses (local testing only).")
@click.option("--max-body", default=DEFAULT_MAX_BODY, show_default=True, type=click.IntRange(1024), help="Largest request body in bytes.")
@click.option("--warm", default=20, show_default=True, type=click.IntRange(0), help="Analyse this many newest stories in the background at start.")
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
    get_path: str | None,
    include: bool,
) -> None:
    """Run the web UI and the HTTP API over the corpus.

    Open http://127.0.0.1:8000/ for the stories, /docs for the API. Example:

        triangulate serve --db news.db

        triangulate serve --db news.db --get /api/stories
    """
    from triangulate.corpus.store import default_db_path
    from triangulate.errors import TriangulateError
    from triangulate.server.app import create_app

    path = db or str(default_db_path())
    if get_path is not None:
        if not get_path.startswith("/"):
            raise click.BadParameter("give a path starting with /, e.g. /api/stories", param_hint="--get")
        from fastapi.testclient import TestClient

        try:
            app = create_app(path, token=token, allow_private=allow_private, max_body=max_body)
        except TriangulateError as exc:
            raise click.ClickException(str(exc)) from exc
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with TestClient(app, base_url="http://127.0.0.1") as client:
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

    try:
        app = create_app(path, token=token, allow_private=allow_private, max_body=max_body, warm=warm)
    except TriangulateError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"triangulate: serving {os.path.abspath(path)} on http://{host}:{port}/ (API docs at /docs)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
