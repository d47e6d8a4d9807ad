"""The ``triangulate`` command line.

Commands are thin: they parse options, call one library function and render the
result. They are imported lazily so that ``triangulate --help`` and a one-off
``compare`` do not pay for the server, the corpus or the evaluation code.

Ctrl-C or SIGTERM ends any command with one line and 130 or 143, not click's
``Aborted!`` (:mod:`triangulate.commands.stops`).
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import logging
import os
import sys
from typing import Any

import click

from triangulate.commands.stops import stops_end_the_command, stops_end_the_process, stops_handled
from triangulate.errors import TriangulateError

#: command name -> "module:attribute" of a click command or group.
COMMANDS: dict[str, tuple[str, str]] = {
    "compare": ("triangulate.commands.compare:compare", "Triangulate one story: what outlets agree on, what only one says, where they conflict."),
    "eval": ("triangulate.evaluate.cli:eval_group", "Score triangulate on public data sets (see docs/eval.md)."),
    "calibrate": ("triangulate.evaluate.cli:calibrate", "Fit the shipped thresholds and weights on training data."),
    "ingest": ("triangulate.commands.corpus:ingest", "Add files, folders, archives or URLs to the corpus."),
    "feeds": ("triangulate.commands.corpus:feeds", "Manage the feeds the corpus follows."),
    "watch": ("triangulate.commands.corpus:watch", "Poll feeds and ingest new articles as they appear."),
    "stories": ("triangulate.commands.corpus:stories", "List the stories of the corpus."),
    "story": ("triangulate.commands.corpus:story", "Show the triangulation report of one story."),
    "merge-stories": ("triangulate.commands.corpus:merge_stories", "Join stories the clusterer kept apart."),
    "move-articles": ("triangulate.commands.corpus:move_articles", "Take articles out of a story they were wrongly put in."),
    "articles": ("triangulate.commands.corpus:articles", "List the articles of the corpus."),
    "article": ("triangulate.commands.corpus:article", "Show one article: raw, cleaned and removed boilerplate."),
    "sources": ("triangulate.commands.corpus:sources", "List outlets with their counts; edit the outlet registry."),
    "search": ("triangulate.commands.corpus:search", "Full-text search over the corpus."),
    "serve": ("triangulate.server.cli:serve", "Run the web UI and HTTP API."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use.

    Ctrl-C or SIGTERM while the group parses (``--help`` imports every command's module),
    imports a command or runs it ends with one line on stderr and 130 or 143
    (:func:`triangulate.commands.stops.exit_stopped`), before click's own handling would
    print ``Aborted!`` and exit 1.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # SIGTERM stops a command as Ctrl-C does (transactions roll back, files close); the
        # caller's signal handlers are back once the command ends (stops_handled).
        with stops_handled():
            return super().main(*args, **kwargs)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        with stops_end_the_command():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with stops_end_the_command():
            try:
                return super().invoke(ctx)
            except BrokenPipeError:
                # The reader of the output stopped early (`triangulate story ID | head`): it had
                # what it wanted. Quietly, exit 0 (click would say nothing and exit 1, the status
                # of a bug), whatever the size of the output.
                _drop_stdout()
                sys.exit(0)
            except TriangulateError as exc:
                # A library error that the command left to its caller (an empty
                # $TRIANGULATE_DB for `serve`): one line and its exit status, not a traceback.
                from triangulate.commands.console import err_console, print_error

                print_error(err_console(), exc)
                sys.exit(exc.exit_code)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (target, _) in COMMANDS.items() if _importable(target)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attr = entry[0].split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("triangulate"):
                return None
            raise click.ClickException(
                f"`triangulate {cmd_name}` needs an optional dependency that is not installed ({exc.name}); "
                "run `make install` or `pip install 'triangulate[server]'`."
            ) from exc
        command: click.Command = getattr(module, attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _importable(target: str) -> bool:
    module_name = target.split(":")[0]
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:
        return False


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="triangulate")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """triangulate: how different outlets report the same event.

    Start with `triangulate compare FILE...` on articles about one event.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # The extraction libraries log their own view of every page without an article
    # ("discarding data: None", "parsed tree length: 0"); the skip with its reason says it
    # once. Their lines come back with -vv.
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL if verbose < 2 else logging.DEBUG)


def _drop_stdout() -> None:
    """Point standard output at /dev/null, so that flushing it at exit raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):  # no file behind it (a test's capture)
        pass


def main(argv: list[str] | None = None) -> Any:
    """Run one command as the command line does (``argv``: its arguments, default
    ``sys.argv[1:]``); it ends by raising :class:`SystemExit` with its exit status. The
    signal handlers of the calling program are as they were once it returns."""
    return cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="triangulate")


def run() -> Any:
    """Entry point of the console script and ``python -m triangulate``: :func:`main`, then a
    stop while the interpreter exits ends the process at once, with no traceback."""
    try:
        return main()
    finally:
        stops_end_the_process()
