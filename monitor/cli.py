"""The ``monitor`` command. Thin: parse options, open the stages, print; the work happens in the stage modules.

Every expected failure (bad config, database down, unknown feed) ends as one line on stderr and a non-zero
exit, never a traceback; ``--debug`` shows tracebacks for the unexpected ones.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from monitor import __version__, logs, ui
from monitor.config import (
    ENV_CONFIG,
    ConfigError,
    JudgeSettings,
    Settings,
    load_settings,
    parse_duration,
    resolve_config_path,
)
from monitor.errors import StoreError

if TYPE_CHECKING:
    from monitor.pipeline import CycleReport, PageReport
    from monitor.store import Store

T = TypeVar("T")
EXIT_CONFIG = 2
EXIT_FAILURE = 1


@dataclass
class Context:
    config: str | None
    log_level: str | None
    log_format: str | None
    debug: bool
    _settings: Settings | None = None

    @property
    def config_path(self) -> Path:
        return resolve_config_path(self.config)

    def settings(self, warn: bool = True) -> Settings:
        """The config, read once. Its warnings (a database found by the old path rule) go to stderr unless the
        caller logs them itself (the daemon)."""
        if self._settings is None:
            self._settings = load_settings(self.config)
            logs.register_secret(_db_password(self._settings.database_url))
            logs.register_secret(self._settings.smtp.password if self._settings.smtp else None)
            if self._settings.queue is not None:
                from urllib.parse import urlsplit

                logs.register_secret(urlsplit(self._settings.queue.broker).password)
            logs.setup(self.log_level or self._settings.log.level, self.log_format or self._settings.log.format)
            if warn:
                for line in self._settings.warnings:
                    ui.echo(ui.Styled(f"monitor: warning: {line}", ui.WARN), sys.stderr)
        return self._settings

    def judge_settings(self) -> JudgeSettings:
        """What ``classify`` and ``eval`` need: only the judge. They read no stored data, so with no config file
        anywhere (outside a checkout, no --config, no $MONITOR_CONFIG) they run on the built-in topic and actors;
        a config named explicitly must exist."""
        if self.config is None and not os.environ.get(ENV_CONFIG) and not self.config_path.exists():
            logs.setup(self.log_level or "info", self.log_format or "kv")
            return JudgeSettings()
        return self.settings().judge

    def store(self, upgrade: bool = True) -> Store:
        from monitor.store import open_store  # imported late: SQLAlchemy is heavy and parser workers re-import us

        return open_store(self.settings().database_url, upgrade=upgrade)


def _db_password(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    return make_url(url).password  # type: ignore[return-value]


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    ui.echo(ui.Styled(message, ui.BAD), sys.stderr)
    sys.exit(code)


class MonitorGroup(click.Group):
    """Turns the errors users can cause into one line each."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            fail(str(exc), EXIT_CONFIG)
        except ValueError as exc:
            from monitor.judge.data import DataError
            from monitor.judge.topic import TopicError

            if not isinstance(exc, DataError | TopicError):
                raise
            fail(f"monitor: {exc}", EXIT_CONFIG)
        except StoreError as exc:
            fail(f"monitor: {exc}")
        except KeyboardInterrupt:
            fail("monitor: interrupted", 130)
        except BrokenPipeError:  # `monitor export | head`: the reader has what it wanted
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:
            obj = ctx.obj if isinstance(ctx.obj, Context) else None
            if obj is not None and obj.debug:
                raise
            fail(f"monitor: internal error: {type(exc).__name__}: {logs.redact(str(exc))} (--debug shows more)")


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """A global option given after the subcommand (``monitor classify --config X -``): stored on the shared
    Context, where it overrides the same option given before the subcommand."""
    if value is None or value is False or param.name is None:
        return
    obj = ctx.find_object(Context)
    if obj is not None:
        setattr(obj, param.name, value)


def _global_options(after: bool) -> list[click.Option]:
    """The options every command takes, before the subcommand (on the group) or after it (on each command)."""
    callback = _remember if after else None
    expose = not after
    return [
        click.Option(["--config", "config"], metavar="PATH", callback=callback, expose_value=expose,
                     help="Config file [default: $MONITOR_CONFIG or config/monitor.yaml]"),
        click.Option(["--log-level"], type=click.Choice(["debug", "info", "warning", "error"]), callback=callback,
                     expose_value=expose, help="Overrides log.level."),
        click.Option(["--log-format"], type=click.Choice(["kv", "json"]), callback=callback, expose_value=expose,
                     help="Overrides log.format."),
        click.Option(["--debug"], is_flag=True, callback=callback, expose_value=expose,
                     help="Show tracebacks for unexpected errors."),
    ]


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="monitor")
@click.pass_context
def cli(ctx: click.Context, config: str | None, log_level: str | None, log_format: str | None, debug: bool) -> None:
    """Monitor news feeds for where EU member states stand on dialogue with Russia."""
    ctx.obj = Context(config, log_level, log_format, debug)


cli.params[:0] = _global_options(after=False)


def _share_global_options(group: click.Group) -> None:
    """Give every subcommand (and sub-subcommand) the global options too, as the README promises."""
    for command in group.commands.values():
        command.params.extend(_global_options(after=True))
        if isinstance(command, click.Group):
            _share_global_options(command)


pass_ctx = click.make_pass_decorator(Context)


# ------------------------------------------------------------------------------------------------ check


@cli.command()
@pass_ctx
def check(ctx: Context) -> None:
    """Validate the config file and say what it configures, and where the data goes."""
    from monitor.store import safe_url

    s = ctx.settings(warn=False)
    enabled = len(s.enabled_feeds)
    digests = f", {ui.plural(len(s.digests), 'digest')}" if s.digests else ""
    ui.echo([ui.Styled(f"{ctx.config_path}: "), ui.Styled("ok", ui.OK),
             ui.Styled(f" ({ui.plural(len(s.feeds), 'feed')}, {enabled} enabled{digests})")])
    rows: list[tuple[str, str]] = [("database", safe_url(s.database_url))]
    if s.smtp is None:
        rows.append(("outbox", f"{s.outbox} (no smtp section: digests are written here)" if s.digests else s.outbox))
    else:
        rows.append(("smtp", f"{s.smtp.host}:{s.smtp.port}"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        ui.echo(f"  {key.ljust(width)}  {value}")
    for line in (*s.warnings, *([problem] if (problem := s.feed_problem()) else [])):
        ui.echo(ui.Styled(f"warning: {line}", ui.WARN), sys.stderr)


def _require_feeds(settings: Settings, daemon: bool = False) -> None:
    """``run`` and ``poll`` refuse a config with nothing to poll: a daemon that idles for ever with 0 feeds
    looks exactly like one that works. A daemon that has digests to send is not idle (a second daemon can mail
    the digests of a shared PostgreSQL database another one fills): it starts, and its log says it polls
    nothing."""
    problem = settings.feed_problem()
    if problem is None:
        return
    if daemon and settings.digests:
        from monitor.logs import get_logger

        get_logger("monitor.config").warning("config.no_feeds", detail=problem,
                                             digests=", ".join(d.name for d in settings.digests))
        return
    fail(problem, EXIT_CONFIG)


# ------------------------------------------------------------------------------------------------ db


@cli.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Apply pending migrations (the daemon and `poll` do this by themselves)."""
    store = ctx.store(upgrade=True)
    click.echo(f"database at revision {store.revision()}")


@db.command("prune")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@pass_ctx
def db_prune(ctx: Context, dry_run: bool) -> None:
    """Delete what the config's retention section no longer keeps (the daemon does this daily)."""
    from monitor.retention import prune

    report = prune(ctx.settings(), ctx.store(), datetime.now(UTC), dry_run=dry_run)
    click.echo(report.summary())


@db.command("current")
@pass_ctx
def db_current(ctx: Context) -> None:
    """Print the schema revision of the database."""
    store = ctx.store(upgrade=False)
    click.echo(store.revision() or "empty (run `monitor db upgrade`)")


# ------------------------------------------------------------------------------------------------ poll / run


@cli.command()
@click.option("--feed", "names", multiple=True, metavar="NAME", help="Poll only this feed (repeatable).")
@click.option("--due", is_flag=True, help="Only feeds whose next poll time has come (for cron jobs).")
@click.option("--workers", type=int, default=None, help="Parser processes [default: one per core].")
@click.option("-v", "--verbose", is_flag=True, help="Log every feed, not only the summary.")
@click.option("--no-pages", is_flag=True, help="Do not fetch the article pages of new candidate stories.")
@pass_ctx
def poll(ctx: Context, names: tuple[str, ...], due: bool, workers: int | None, verbose: bool,
         no_pages: bool) -> None:
    """Run one poll cycle now and print a summary. Failed feeds are reported, not fatal. The article pages the
    cycle queued (candidate stories whose feed text is short) are fetched before the command exits.

    Without --due this is a manual poll: a feed that keeps failing is tried now without its backoff growing,
    so the daemon's retry plan for it stays as it was."""
    from monitor.pipeline import Pipeline, utcnow
    from monitor.schedule import is_due

    settings = ctx.settings()
    if not names:
        _require_feeds(settings)
    live = ui.is_terminal(sys.stderr)
    level = ctx.log_level or (settings.log.level if verbose else "error")
    logs.setup(level, ctx.log_format or settings.log.format, stream=ui.CurrentStderr() if live else None)
    feeds = [settings.feed(n) for n in names] if names else list(settings.enabled_feeds)
    store = ctx.store()
    store.sync_feeds(settings.feeds, utcnow())
    if due:
        states = store.feed_states([f.name for f in feeds])
        now = utcnow()
        feeds = [f for f in feeds if is_due(getattr(states.get(f.name), "next_poll_at", None), now)]
    if not feeds:
        click.echo("no feeds to poll" + (" (none is due)" if due else ""))
        return
    if workers is None and len(feeds) < 4:
        workers = 0  # a pool costs more to start than a handful of feeds take to parse

    pages: list[PageReport] = []

    async def go() -> CycleReport:
        async with Pipeline(settings, store, workers=workers, manual=not due, pages=not no_pages) as pipeline:
            pipeline.on_page = pages.append
            if live:
                from monitor.progress import PollDisplay

                with PollDisplay(len(feeds)) as display:
                    pipeline.on_page = lambda r: (pages.append(r), display.page_done(r))
                    report = await pipeline.poll_many(feeds, on_done=display.done)
                    if pipeline.pages_pending:
                        display.pages(pipeline.pages_pending + len(pages))
                    await pipeline.drain_pages()
                    return report
            report = await pipeline.poll_many(feeds)
            await pipeline.drain_pages()
            return report

    report = run_interruptible(go)
    _report_failures(report)
    style = ui.OK if not report.failed else ui.BAD if len(report.failed) == len(report.reports) else ui.WARN
    ui.echo(ui.Styled(report.summary(), style))
    if pages:
        read = sum(1 for p in pages if p.status == "ok")
        kinds = Counter(p.status for p in pages if p.status != "ok")
        kept = ", ".join(f"{n} {PAGE_STATUS_WORDS.get(k, k)}" for k, n in kinds.most_common())
        ui.echo(f"{ui.plural(len(pages), 'article page')}: {read} read" + (f"; feed text kept for {kept}" if kept
                                                                            else ""))


PAGE_STATUS_WORDS = {"robots": "disallowed by robots.txt", "failed": "that failed to load", "too_short": "too short",
                     "consent": "behind a consent wall", "paywall": "behind a paywall", "not_html": "not HTML",
                     "empty": "without article text"}


def _report_failures(report: CycleReport) -> None:
    """Each failed feed by name and URL; but when every feed failed for the network's reasons, one line that
    says so (and what works offline) instead of the same error once per feed."""
    from monitor.failures import OFFLINE_HINT, offline

    failed = report.failed
    down = offline([r.error_kind for r in failed], [r.error for r in failed]) if len(failed) > 1 else None
    if down and len(failed) == len(report.reports):
        ui.echo(ui.Styled(f"every feed failed ({len(failed)}): {down}; {OFFLINE_HINT}", ui.BAD), sys.stderr)
        return
    for r in failed:
        ui.echo(ui.Styled(f"failed: {r.describe()}", ui.BAD), sys.stderr)


def run_interruptible(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(main())``, where SIGTERM and SIGHUP end the run as Ctrl-C does: the coroutine is cancelled,
    so its ``async with`` blocks close (the pipeline finishes the write in hand and shuts its worker processes
    down) before the command exits. ``timeout 10m monitor poll`` from cron sends SIGTERM."""

    async def wrapped() -> T:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, task.cancel)
        return await main()

    try:
        return asyncio.run(wrapped())
    except asyncio.CancelledError:
        fail("monitor: terminated", 128 + signal.SIGTERM)


def _listen(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple[str, int] | None:
    from monitor.httpd import parse_listen

    try:
        return parse_listen(value) if value else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.command()
@click.option("--http", "http", metavar="HOST:PORT", callback=_listen,
              help="Serve /healthz and /metrics (Prometheus) here, e.g. 0.0.0.0:8080.")
@pass_ctx
def run(ctx: Context, http: tuple[str, int] | None) -> None:
    """Run the daemon: poll every enabled feed and send every digest on schedule until SIGTERM/SIGINT (exit 0);
    SIGHUP reloads the config."""
    from monitor.daemon import Daemon
    from monitor.logs import get_logger

    settings = ctx.settings(warn=False)
    for line in settings.warnings:  # in the daemon's log, where whoever runs it under systemd looks
        get_logger("monitor.config").warning("config.warning", detail=line)
    _require_feeds(settings, daemon=True)
    store = ctx.store()
    code = asyncio.run(Daemon(settings, store, ctx.config_path, http=http).run())
    sys.exit(code)


@cli.command()
@click.option("--concurrency", type=click.IntRange(1, 256), default=None,
              help="Worker processes [default: one per core].")
@click.option("--queues", default="feeds,pages,digests", show_default=True,
              help="Which queues to take tasks from (a machine may serve only some).")
@click.option("--http", "http", metavar="HOST:PORT", callback=_listen,
              help="Serve /metrics (Prometheus) for this worker's processes here, e.g. 0.0.0.0:9101.")
@click.option("--name", "node", metavar="NAME", default=None, help="Celery node name [default: monitor@HOSTNAME].")
@click.option("--pool", type=click.Choice(["prefork", "threads"]), default="prefork", show_default=True,
              help="Processes (one per core: parsing and judging) or threads (many slow publishers at once).")
@pass_ctx
def worker(ctx: Context, concurrency: int | None, queues: str, http: tuple[str, int] | None,
           node: str | None, pool: str) -> None:
    """Run queued work (polls, article pages, digests) for a `monitor run` that has a queue section: the same
    stages as the single process, on Celery (Redis or RabbitMQ). Stop with SIGTERM: tasks in hand finish."""
    import socket
    import tempfile

    settings = ctx.settings()
    if settings.queue is None:
        fail(f"{ctx.config_path}: no queue section: `monitor run` does all the work itself; add queue: "
             "{broker: redis://…} (and a PostgreSQL database) to run workers", EXIT_CONFIG)
    try:
        from monitor.queue.tasks import configure
    except ImportError as exc:
        fail(f"monitor: worker: Celery is not installed ({exc.name}); install with pip install 'monitor[queue]'")
    # The worker's processes read the same config file (and follow its changes) and log as this command does.
    os.environ["MONITOR_CONFIG"] = str(ctx.config_path.absolute())
    os.environ["MONITOR_LOG_LEVEL"] = ctx.log_level or settings.log.level
    os.environ["MONITOR_LOG_FORMAT"] = ctx.log_format or settings.log.format
    # Every process of the worker writes its counts here; /metrics adds them up (prometheus_client multiprocess).
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="monitor-metrics-")
    app = configure(settings)
    if http is not None:
        from monitor.httpd import serve_metrics_in_thread
        from monitor.metrics import Metrics

        port = serve_metrics_in_thread(Metrics(multiprocess=True), *http)
        click.echo(f"metrics on http://{http[0]}:{port}/metrics", err=True)
    names = [q.strip() for q in queues.split(",") if q.strip()]
    argv = ["worker", "-Q", ",".join(names), "-n", node or f"monitor@{socket.gethostname()}", "--pool", pool,
            "--loglevel", (ctx.log_level or settings.log.level).upper(), "--without-gossip", "--without-mingle"]
    if concurrency is not None:
        argv += ["--concurrency", str(concurrency)]
    app.worker_main(argv)


@cli.command()
@click.option("--outbox", metavar="DIR", default=None,
              help="Where to write the demo digest [default: the config's outbox, else data/outbox].")
@pass_ctx
def demo(ctx: Context, outbox: str | None) -> None:
    """Run the whole pipeline on bundled sample feeds served on loopback (no internet, no setup), store into a
    throwaway database and write the digest to the outbox. Your config's feeds and database are not touched."""
    from monitor.config import DEFAULT_OUTBOX
    from monitor.demo import run_demo

    if outbox is None:
        try:
            outbox = ctx.settings().outbox if ctx.config or ctx.config_path.exists() else DEFAULT_OUTBOX
        except ConfigError:
            outbox = DEFAULT_OUTBOX  # the demo must work even next to a broken config
    if not ctx.log_level:
        logs.setup("error", ctx.log_format or "kv")
    try:
        result = run_demo(outbox)
    except RuntimeError as exc:
        fail(f"monitor: demo: {exc}")
    click.echo(f"polled {result.feeds} sample feeds: {ui.plural(result.articles, 'story')}, {result.relevant} about "
               f"EU-Russia dialogue, {ui.plural(result.stances, 'member-state stance')}; "
               f"{ui.plural(result.pages_read, 'article page')} read for stories whose feed gave only a teaser")
    ui.table([ui.Col("STATE"), ui.Col("LEAN", right=True), ui.Col("STANCES", right=True)],
             [(f"{code} {name}", _lean_cell(value), str(count)) for code, name, value, count in result.lean])
    click.echo(result.digest)
    if result.html is not None:
        ui.echo([ui.Styled("open the digest: "), ui.Styled(result.html.as_uri(), "bold"),
                 ui.Styled(f"  (as an email: {result.eml})")])


def _lean_cell(value: float) -> ui.Styled:
    """The net lean in the digest's colours: blue towards dialogue, red towards hardline, yellow between."""
    from monitor.summary import LEAN_THRESHOLD

    label = "pro_dialogue" if value >= LEAN_THRESHOLD else "hardline" if value <= -LEAN_THRESHOLD else "mixed"
    return ui.Styled(f"{value:+.2f}", ui.STANCE_STYLES[label])


# ------------------------------------------------------------------------------------------------ feeds


@cli.group(invoke_without_command=True)
@click.pass_context
def feeds(click_ctx: click.Context) -> None:
    """Show the configured feeds and their health; the subcommands edit the list in the config file."""
    if click_ctx.invoked_subcommand is not None:
        return
    ctx: Context = click_ctx.obj
    settings = ctx.settings()
    store = ctx.store()
    states = store.feed_states([f.name for f in settings.feeds], with_counts=True)
    page_counts = store.page_counts()
    now = datetime.now(UTC)
    queued = settings.queue is not None  # workers poll: say which one polled each feed last
    cols = [ui.Col("FEED"), ui.Col("STATUS"), ui.Col("LAST SUCCESS"), ui.Col("FAILS", right=True),
            ui.Col("NEXT POLL"), ui.Col("ARTICLES", right=True), ui.Col("PAGES", right=True),
            *([ui.Col("POLLED BY")] if queued else []), ui.Col("LAST ERROR", wrap=True)]
    rows: list[tuple[ui.Cell, ...]] = []
    for f in settings.feeds:
        st = states.get(f.name)
        if st is None:
            rows.append((f.name, ui.Styled("new" if f.enabled else "disabled", ui.DIM), "never", "0", "-", "0", "-",
                         *(["-"] if queued else []), ""))
            continue
        pages = page_counts.get(st.id, {})
        read, robots = pages.get("ok", 0), pages.get("robots", 0)
        unread = sum(pages.values()) - read - robots - pages.get("pending", 0)
        page_cell = f"{read}/{robots}/{unread}" if pages else "-"
        status = "disabled" if not f.enabled else (st.last_status or "new")
        style = ui.DIM if status in ("disabled", "new") else ui.BAD if status == "error" else ui.OK
        if status == "error" and st.http_status:
            status = f"error {st.http_status}"
        error = st.last_error if st.last_status == "error" else (f"moved to {st.moved_to}" if st.moved_to else "")
        rows.append((
            f.name, ui.Styled(status, style), _ago(st.last_success_at, now),
            ui.Styled(str(st.consecutive_failures), ui.BAD if st.consecutive_failures else ""),
            _until(st.next_poll_at, now) if f.enabled else "-", str(st.article_count), page_cell,
            *([st.polled_by or "-"] if queued else []),
            ui.Styled(_error_words(error), ui.BAD if st.last_status == "error" else ui.WARN),
        ))
    ui.table(cols, rows)
    if page_counts:
        click.echo("PAGES: article pages read / disallowed by robots.txt / not read (failed, walls, too short)")
    failing = sum(1 for f in settings.feeds if (st := states.get(f.name)) and st.consecutive_failures)
    click.echo("")
    ui.echo([ui.Styled(ui.plural(len(settings.feeds), "feed") + ", "),
             ui.Styled(f"{failing} failing", ui.BAD if failing else ui.OK)])


# The feed-list subcommands edit the config file itself (round-trip, validated, atomic): see monitor/feedlist.py.


@feeds.command("import")
@click.argument("source", metavar="FILE.opml|-")
@click.option("--dry-run", is_flag=True, help="Say what would be added without changing the config.")
@click.option("-v", "--verbose", is_flag=True, help="Also list the feeds skipped as already configured.")
@pass_ctx
def feeds_import(ctx: Context, source: str, dry_run: bool, verbose: bool) -> None:
    """Add an OPML file's feeds to the config (folders become tags); feeds already configured are skipped."""
    from monitor.feedlist import FeedListError, import_opml

    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        fail(f"monitor: cannot read {source}: {exc.strerror or exc}")
    try:
        result = import_opml(ctx.config_path, data, "<stdin>" if source == "-" else source, dry_run=dry_run)
    except FeedListError as exc:
        fail(f"monitor: {exc}")
    plan = result.plan
    for problem in result.invalid:
        click.echo(f"skipped: {problem}", err=True)
    for note in result.private:
        click.echo(f"warning: {note}", err=True)
    for original, given in plan.renamed:
        click.echo(f"renamed: {original!r} -> {given!r} (the name was taken)", err=True)
    if verbose:
        for feed, reason in plan.skipped:
            click.echo(f"skipped: {feed.name} <{feed.url}>: {reason}", err=True)
    verb = "would add" if dry_run else "added"
    click.echo(f"{verb} {ui.plural(len(plan.added), 'feed')} to {ctx.config_path}; skipped {len(plan.skipped)} "
               f"already configured, {len(result.invalid)} invalid")
    if plan.added and not dry_run:
        click.echo(RELOAD_HINT)


@feeds.command("export")
@click.option("--out", "out", metavar="FILE", help="Write to FILE instead of stdout.")
@pass_ctx
def feeds_export(ctx: Context, out: str | None) -> None:
    """Write the configured feeds as OPML 2.0 (first tag as folder, all tags as categories)."""
    from monitor.feedlist import export_opml
    from monitor.files import write_atomic

    settings = ctx.settings()
    data = export_opml(settings)
    if out is None:
        click.get_binary_stream("stdout").write(data)
        return
    try:
        write_atomic(Path(out), data)
    except OSError as exc:
        fail(f"monitor: {out}: cannot write: {exc.strerror or exc}")
    click.echo(f"wrote {ui.plural(len(settings.feeds), 'feed')} to {out}", err=True)


@feeds.command("add")
@click.argument("url")
@click.option("--name", help="Feed name [default: the feed's title].")
@click.option("--interval", metavar="DURATION", help="Poll interval, e.g. 30m [default: defaults.interval].")
@click.option("--language", metavar="CODE", help="Language code, e.g. de [default: the feed's own].")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Tag (repeatable).")
@pass_ctx
def feeds_add(ctx: Context, url: str, name: str | None, interval: str | None, language: str | None,
              tags: tuple[str, ...]) -> None:
    """Find the feed of a site (or take a feed URL), check that it parses, and append it to the config."""
    from monitor.feedlist import FeedListError, add_feed

    try:
        result = add_feed(ctx.config_path, url, name=name, interval=interval, language=language, tags=tags)
    except FeedListError as exc:
        fail(f"monitor: {exc}")
    found = result.discovered
    how = {"advertised": " (advertised by the page)", "guessed": " (found at a common path)"}.get(found.how, "")
    click.echo(f"added {result.feed.name!r}: {result.feed.url}{how}, {ui.plural(found.entries, 'entry')}, to "
               f"{ctx.config_path}")
    click.echo(RELOAD_HINT)


RELOAD_HINT = ("a running daemon reads the change on SIGHUP: `kill -HUP <pid of monitor run>` "
               "(Docker Compose: `docker-compose kill -s HUP monitor`); `monitor poll` uses it at once")


def _error_words(error: str | None) -> str:
    """An OS error in words (``host not found``), any other error as it was written."""
    from monitor.failures import cause

    return cause(error).words if error else ""


def _ago(when: datetime | None, now: datetime) -> str:
    return "never" if when is None else f"{_span((now - when).total_seconds())} ago"


def _until(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "now"
    seconds = (when - now).total_seconds()
    return "due" if seconds <= 0 else f"in {_span(seconds)}"


def _span(seconds: float) -> str:
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# ------------------------------------------------------------------------------------------------ export


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """``7d`` (a duration back from now) or an ISO date/time."""
    if not value:
        return None
    now = now or datetime.now(UTC)
    try:
        return now - timedelta(seconds=parse_duration(value))
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: use a duration (7d, 12h) or a date (2026-11-01)") from None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


EXPORT_FIELDS = ["id", "url", "title", "summary", "published", "first_seen", "language", "feeds", "relevant",
                 "relevance", "text_source"]  # then, in CSV, one column per member state holding its stance


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def export_rows(store: Store, since: datetime | None, topic: str, relevant_only: bool = False,
                countries: tuple[str, ...] = (), with_text: bool = False) -> Iterator[dict[str, Any]]:
    """Stored articles as export records. With ``countries``, only articles in which one of those states took
    a position, carrying only those states' stances (as a digest following those states counts them). With
    ``with_text``, the text the judge read (the article page's, where it was fetched and is still kept)."""
    for a in store.articles(since=since, topic=topic, with_text=with_text):
        if relevant_only and not a.relevant:
            continue
        kept = [st for st in a.stances if not countries or st.country in countries]
        if countries and not kept:
            continue
        yield {"id": a.id, "url": a.url, "title": a.title, "summary": a.summary, "published": _iso(a.published),
               "first_seen": _iso(a.first_seen), "language": a.language, "feeds": list(a.feeds),
               "relevant": a.relevant, "relevance": a.relevance, "text_source": a.text_source,
               **({"text": a.text} if with_text else {}),
               "stances": [{"country": st.country, "stance": st.stance, "confidence": st.confidence,
                            "evidence": st.evidence, "source": getattr(st, "source", "feed")} for st in kept]}


_FORMULA = re.compile(r"^[\s\"']*[=+\-@\t\r]")


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula (OWASP, "CSV Injection").

    Titles and summaries come from feeds, which anyone can write: ``=HYPERLINK(...)`` or ``@SUM(...)`` in a title
    would be a live formula in the analyst's Excel or LibreOffice. Text that starts with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return, also behind leading spaces or quotes (which spreadsheets may strip), gets a
    leading single quote, so it is shown as text. Numbers are left as they are."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


@cli.command()
@click.option("--since", metavar="WHEN", help="Only articles published since: a duration back (7d) or a date.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--relevant", "relevant_only", is_flag=True, help="Only articles the judge found relevant.")
@click.option("--country", "countries", multiple=True, metavar="STATE",
              help="Only articles where this state (IT, EL, Hungary) took a position, with its stances. Repeatable.")
@click.option("--text", "with_text", is_flag=True, help="Include the full text the judge read (page or feed).")
@pass_ctx
def export(ctx: Context, since: str | None, fmt: str, relevant_only: bool, countries: tuple[str, ...],
           with_text: bool) -> None:
    """Write stored articles to stdout, one per line (jsonl) or row (csv).

    CSV has one column per member state (or per --country) holding the state's stance in the article, so a
    spreadsheet can filter and pivot on it; confidences and evidence are in jsonl."""
    from monitor.judge import EU27

    countries = _countries(countries)
    settings = ctx.settings()
    store = ctx.store()
    rows = export_rows(store, parse_since(since), _topic_name(settings.judge.topics[0]), relevant_only, countries,
                       with_text)
    out = click.get_text_stream("stdout")
    write: Callable[[dict[str, Any]], Any]
    if fmt == "csv":
        states = [c for c in EU27 if c in countries] if countries else list(EU27)
        fields = [*EXPORT_FIELDS, *(["text"] if with_text else []), *states]
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()

        def write(row: dict[str, Any]) -> Any:
            flat = {k: ("" if v is None else v) for k, v in row.items() if k != "stances"}
            flat["feeds"] = "; ".join(row["feeds"])
            flat.update({st["country"]: st["stance"] for st in row["stances"]})
            return writer.writerow({k: spreadsheet_safe(v) for k, v in flat.items()})
    else:

        def write(row: dict[str, Any]) -> Any:
            return out.write(json.dumps(row, ensure_ascii=False) + "\n")

    for row in rows:
        write(row)


def _topic_name(spec: str) -> str:
    """A configured topic is a built-in name or a YAML path; stored judgements are keyed by the topic's name."""
    from monitor.judge import topic_header

    return topic_header(spec)[0]


def _story_date(item: dict[str, Any]) -> date | None:
    """An item's "published" (or "date"), as ``monitor.judge.offices.parse_date`` reads it."""
    from monitor.judge.offices import parse_date

    key = "published" if item.get("published") else "date"
    value = str(item.get(key) or "").strip()
    try:
        return parse_date(value)
    except ValueError:
        raise ValueError(f"{key}: {value!r} is not an ISO date") from None


def _judges(ctx: Context) -> Any:
    from monitor.judge import judges_for

    judge = ctx.judge_settings()
    return judges_for(judge.topics, judge.actors)


# ------------------------------------------------------------------------------------------------ judge


@cli.command()
@click.argument("source", type=click.File("r", encoding="utf-8"), metavar="FILE|-")
@pass_ctx
def classify(ctx: Context, source: Any) -> None:
    """Judge JSON lines {"id","title","text"} and print one JSON line per input, in order (a stable contract).
    Optional fields: "lang" (a hint) and "published" or "date" (ISO; who was in office then)."""
    judge = _judges(ctx).primary
    out = click.get_text_stream("stdout")
    bad = 0
    for n, line in enumerate(source, 1):
        if not line.strip():
            continue
        try:
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"not valid JSON ({exc})") from None
            if not isinstance(item, dict):
                raise ValueError("not a JSON object")
            j = judge.judge(str(item.get("title") or ""), str(item.get("text") or ""), keep_evidence=False,
                            lang=str(item.get("lang") or item.get("language") or "") or None,
                            published=_story_date(item))
            row: dict[str, Any] = {"id": item.get("id"), "relevant": j.relevant, "relevance": j.relevance,
                                   "stances": [{"country": st.country, "stance": st.stance,
                                                "confidence": st.confidence, "evidence": st.evidence}
                                               for st in j.stances]}
        except ValueError as exc:
            bad += 1
            row = {"id": None, "error": f"line {n}: {exc}"}
            click.echo(f"{getattr(source, 'name', 'input')}:{n}: {exc}", err=True)
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()
    if bad:
        sys.exit(EXIT_FAILURE)


@cli.command("eval")
@click.argument("path", type=click.Path(dir_okay=False), metavar="FILE")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as one JSON object.")
@click.option("--errors", is_flag=True, help="Also list every item the judge got wrong.")
@pass_ctx
def eval_(ctx: Context, path: str, as_json: bool, errors: bool) -> None:
    """Score the judge on hand-labelled JSON lines: relevance and per-label P/R/F1, macro-F1, confusion."""
    from monitor.judge.evaluate import EvalError, evaluate, load_items, report

    try:
        items = load_items(path)
    except EvalError as exc:
        fail(str(exc), EXIT_CONFIG)
    scores = evaluate(items, _judges(ctx).primary)
    if as_json:
        click.echo(json.dumps(scores.as_dict()))
    else:
        for line in report(scores):
            click.echo(line)
    if errors:
        for e in scores.errors:
            click.echo(json.dumps(e, ensure_ascii=False), err=True)


@cli.command()
@click.option("--since", metavar="WHEN", help="Only articles published since (7d, 2026-11-01).")
@pass_ctx
def reclassify(ctx: Context, since: str | None) -> None:
    """Judge stored articles again (after a lexicon or topic change), replacing their stances. Articles whose
    page was fetched are judged on the page's text, as when it arrived."""
    from monitor.pipeline import utcnow

    store = ctx.store()
    judges = _judges(ctx)
    done = relevant = paged = 0
    for chunk in store.texts(parse_since(since)):
        items = [(aid, judges.judge(title, text, published=published)) for aid, title, text, _feed, published in chunk]
        feed_texts = {aid: f"{title}\n{feed}" for aid, title, _text, feed, _ in chunk if feed is not None}
        store.replace_judgements(items, utcnow(), feed_texts)
        done += len(items)
        paged += len(feed_texts)
        relevant += sum(1 for _, js in items if js[0].relevant)
    click.echo(f"re-judged {ui.plural(done, 'article')} ({paged} from their page): {relevant} relevant "
               f"(classifier {judges.primary.version})")


@cli.command()
@click.option("--since", default="30d", show_default=True, metavar="WHEN", help="Period: 30d, 12h or a date.")
@click.option("--country", "countries", multiple=True, metavar="STATE",
              help="Only this state: a code (IT, EL) or a name (Hungary). Repeatable.")
@click.option("--min-confidence", type=float, default=0.0, show_default=True)
@pass_ctx
def stances(ctx: Context, since: str, countries: tuple[str, ...], min_confidence: float) -> None:
    """Where each member state stood in the period: counts per label, net lean, latest evidence."""
    from monitor.judge import HARD, MIXED, PRO
    from monitor.summary import in_text_order, summarise

    countries = _countries(countries)
    settings = ctx.settings()
    store = ctx.store()
    facts = store.stance_facts(_topic_name(settings.judge.topics[0]), parse_since(since), None, countries,
                               min_confidence)
    rows: list[tuple[ui.Cell, ...]] = []
    for summ in summarise(facts):
        latest = summ.latest
        evidence: ui.Cell = ""
        if latest:
            evidence = [ui.Styled(f"{latest.published:%Y-%m-%d} "),
                        ui.Styled(latest.stance, ui.STANCE_STYLES.get(latest.stance, "")),
                        ui.Styled(f": {in_text_order(latest.evidence, latest.title)}")]
        rows.append((f"{summ.country} {summ.name}", str(summ.counts[PRO]), str(summ.counts[HARD]),
                     str(summ.counts[MIXED]), _lean_cell(summ.lean), evidence))
    if not rows:
        click.echo(f"no stances since {since}")
        return
    ui.table([ui.Col("STATE"), ui.Col("PRO", right=True), ui.Col("HARD", right=True), ui.Col("MIXED", right=True),
              ui.Col("LEAN", right=True), ui.Col("LATEST EVIDENCE", wrap=True)], rows)
    articles = len({f.article_id for f in facts})
    click.echo("")
    ui.echo(f"{ui.plural(len(facts), 'stance')} in {ui.plural(articles, 'relevant article')} since {since}; "
            "lean = (pro - hard) / all, from -1 (hardline) to +1 (pro-dialogue)")


def _countries(given: tuple[str, ...]) -> tuple[str, ...]:
    from monitor.countries import member_states

    try:
        return member_states(given)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--country") from None


# ------------------------------------------------------------------------------------------------ digest


@cli.group()
def digest() -> None:
    """Email digests: preview one, send one now, list past runs (the daemon sends them on their schedule)."""


def _local_time(when: datetime | None, tz: str | None = None) -> str:
    from monitor.digest.cron import local_time

    return "-" if when is None else local_time(when, tz)


@digest.command("preview")
@click.argument("name")
@click.option("--out", "out", metavar="FILE.html", help="Write the HTML part here (else the text part to stdout).")
@pass_ctx
def digest_preview(ctx: Context, name: str, out: str | None) -> None:
    """Build a digest as `send` would now, without sending or recording anything."""
    from monitor.digest.run import prepare

    settings = ctx.settings()
    cfg = settings.digest(name)
    prep = prepare(settings, ctx.store(), cfg, datetime.now(UTC))
    rendered, data = prep.rendered, prep.data
    summary = (f"{cfg.name}: {ui.plural(data.stories_count, 'story')}, {ui.plural(data.states_count, 'state')}, "
               f"{_local_time(data.start, cfg.timezone)} - {_local_time(data.end, cfg.timezone)}"
               + ("; nothing new, so `send` would not mail it" if data.empty and not cfg.send_empty else ""))
    if out:
        try:
            Path(out).write_text(rendered.html, encoding="utf-8")
        except OSError as exc:
            fail(f"monitor: cannot write {out}: {exc.strerror or exc}")
        click.echo(f"{summary}\nSubject: {rendered.subject}\nwrote {out} ({len(rendered.html.encode()) // 1024} KB)")
        return
    click.echo(f"Subject: {rendered.subject}\n")
    click.echo(rendered.text)
    click.echo(summary, err=True)


@digest.command("send")
@click.argument("name")
@pass_ctx
def digest_send(ctx: Context, name: str) -> None:
    """Build a digest and deliver it now (SMTP, or the outbox without an smtp section). Exits 1 if undelivered;
    sends nothing (and says so) while another process is delivering the same digest."""
    from monitor.digest.run import send

    settings = ctx.settings()
    if not ctx.log_level:  # the outcome is the one line printed below; --log-level info shows each attempt
        logs.setup("critical", ctx.log_format or settings.log.format)
    cfg = settings.digest(name)
    outcome = send(settings, ctx.store(), cfg)
    if not outcome.ok:
        fail(f"monitor: {outcome.message}")
    click.echo(outcome.message)


@digest.command("list")
@click.option("--name", "name", metavar="NAME", help="Only this digest's runs.")
@click.option("--limit", type=click.IntRange(1, 10000), default=30, show_default=True)
@pass_ctx
def digest_list(ctx: Context, name: str | None, limit: int) -> None:
    """Past digest runs, newest first, and when each configured digest is next due."""
    settings = ctx.settings()
    if name is not None:
        name = settings.digest(name).name
    store = ctx.store()
    runs = store.digest_runs(name, limit)
    tz_of = {d.name: d.timezone for d in settings.digests}
    styles = {"sent": ui.OK, "failed": ui.BAD, "pending": ui.WARN, "empty": ui.DIM}
    rows: list[tuple[ui.Cell, ...]] = []
    for r in runs:
        tz = tz_of.get(r.name)
        detail = r.error if r.status == "failed" else (r.delivery or "")
        rows.append((str(r.id), r.name, ui.Styled(r.status, styles.get(r.status, "")), _local_time(r.created_at, tz),
                     _local_time(r.window_start, tz), str(r.stories), str(r.attempts),
                     ui.Styled(detail or "", ui.BAD if r.status == "failed" else "")))
    if runs:
        ui.table([ui.Col("RUN", right=True), ui.Col("DIGEST"), ui.Col("STATUS"), ui.Col("STARTED"),
                  ui.Col("WINDOW FROM"), ui.Col("STORIES", right=True), ui.Col("TRIES", right=True),
                  ui.Col("DELIVERY / ERROR", wrap=True)], rows)
    else:
        click.echo("no digest has run yet")
    now = datetime.now(UTC)
    for d in settings.digests:
        if name is None or d.name == name:
            due = _local_time(d.cron.next_after(now), d.timezone)
            click.echo(f"{d.name}: '{d.schedule}' ({d.timezone}), next {due}, to {', '.join(d.recipients)}")


_share_global_options(cli)


def main() -> None:
    cli(prog_name="monitor")


if __name__ == "__main__":
    main()
