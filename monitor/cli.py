"""The ``monitor`` command. Thin: parse options, open the stages, print; the work happens in the stage modules.

Every expected failure (bad config, database down, unknown feed) ends as one line on stderr and a non-zero
exit, never a traceback; ``--debug`` shows tracebacks for the unexpected ones.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from monitor import __version__, logs
from monitor.config import ConfigError, Settings, load_settings, parse_duration, resolve_config_path
from monitor.errors import StoreError

if TYPE_CHECKING:
    from monitor.store import Store

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

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
            logs.register_secret(_db_password(self._settings.database_url))
            logs.register_secret(self._settings.smtp.password if self._settings.smtp else None)
            logs.setup(self.log_level or self._settings.log.level, self.log_format or self._settings.log.format)
        return self._settings

    def store(self, upgrade: bool = True) -> Store:
        from monitor.store import open_store  # imported late: SQLAlchemy is heavy and parser workers re-import us

        return open_store(self.settings().database_url, upgrade=upgrade)


def _db_password(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    return make_url(url).password  # type: ignore[return-value]


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    click.echo(message, err=True)
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


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config", metavar="PATH",
              help="Config file [default: $MONITOR_CONFIG or config/monitor.yaml]")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), help="Overrides log.level.")
@click.option("--log-format", type=click.Choice(["kv", "json"]), help="Overrides log.format.")
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
@click.version_option(__version__, prog_name="monitor")
@click.pass_context
def cli(ctx: click.Context, config: str | None, log_level: str | None, log_format: str | None, debug: bool) -> None:
    """Monitor news feeds for where EU member states stand on dialogue with Russia."""
    ctx.obj = Context(config, log_level, log_format, debug)


pass_ctx = click.make_pass_decorator(Context)


# ------------------------------------------------------------------------------------------------ check


@cli.command()
@pass_ctx
def check(ctx: Context) -> None:
    """Validate the config file and say what it configures."""
    s = ctx.settings()
    enabled = len(s.enabled_feeds)
    digests = f", {len(s.digests)} digest{'s' if len(s.digests) != 1 else ''}" if s.digests else ""
    click.echo(f"{ctx.config_path}: ok ({len(s.feeds)} feeds, {enabled} enabled{digests})")


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


@db.command("current")
@pass_ctx
def db_current(ctx: Context) -> None:
    """Print the schema revision of the database."""
    store = ctx.store(upgrade=False)
    click.echo(store.revision() or "empty (run `monitor db upgrade`)")


# ------------------------------------------------------------------------------------------------ poll / run


@cli.command()
@click.option("--feed", "names", multiple=True, metavar="NAME", help="Poll only this feed (repeatable).")
@click.option("--due", is_flag=True, help="Only feeds whose next poll time has come.")
@click.option("--workers", type=int, default=None, help="Parser processes [default: one per core].")
@click.option("-v", "--verbose", is_flag=True, help="Log every feed, not only the summary.")
@pass_ctx
def poll(ctx: Context, names: tuple[str, ...], due: bool, workers: int | None, verbose: bool) -> None:
    """Run one poll cycle now and print a summary. Failed feeds are reported, not fatal."""
    from monitor.pipeline import Pipeline, utcnow
    from monitor.schedule import is_due

    settings = ctx.settings()
    if not verbose and not ctx.log_level:
        logs.setup("error", ctx.log_format or settings.log.format)
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

    async def go() -> Any:
        async with Pipeline(settings, store, workers=workers) as pipeline:
            if sys.stderr.isatty():
                with click.progressbar(length=len(feeds), label="polling", file=sys.stderr) as bar:
                    return await pipeline.poll_many(feeds, on_done=lambda _r: bar.update(1))
            return await pipeline.poll_many(feeds)

    report = asyncio.run(go())
    for r in report.failed:
        click.echo(f"failed: {r.describe()}", err=True)
    click.echo(report.summary())


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

    settings = ctx.settings()
    store = ctx.store()
    code = asyncio.run(Daemon(settings, store, ctx.config_path, http=http).run())
    sys.exit(code)


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
    click.echo(f"polled {result.feeds} sample feeds: {result.articles} stories, {result.relevant} about "
               f"EU-Russia dialogue, {result.stances} member-state stances")
    rows = [("STATE", "LEAN", "STANCES")]
    rows += [(f"{code} {name}", f"{value:+.2f}", str(count)) for code, name, value, count in result.lean]
    click.echo(_table(rows))
    click.echo(result.digest)
    if result.html is not None:
        click.echo(f"open the digest: {result.html.as_uri()}  (as an email: {result.eml})")


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
    now = datetime.now(UTC)
    rows = [("FEED", "STATUS", "LAST SUCCESS", "FAILS", "NEXT POLL", "ARTICLES", "LAST ERROR")]
    for f in settings.feeds:
        st = states.get(f.name)
        if st is None:
            rows.append((f.name, "new" if f.enabled else "disabled", "never", "0", "-", "0", ""))
            continue
        status = "disabled" if not f.enabled else (st.last_status or "new")
        if status == "error" and st.http_status:
            status = f"error {st.http_status}"
        error = st.last_error if st.last_status == "error" else (f"moved to {st.moved_to}" if st.moved_to else "")
        rows.append((
            f.name, status, _ago(st.last_success_at, now), str(st.consecutive_failures),
            _until(st.next_poll_at, now) if f.enabled else "-", str(st.article_count), _clip(error or "", 70),
        ))
    click.echo(_table(rows))
    failing = sum(1 for f in settings.feeds if (st := states.get(f.name)) and st.consecutive_failures)
    click.echo(f"\n{len(settings.feeds)} feeds, {failing} failing")


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
    for original, given in plan.renamed:
        click.echo(f"renamed: {original!r} -> {given!r} (the name was taken)", err=True)
    if verbose:
        for feed, reason in plan.skipped:
            click.echo(f"skipped: {feed.name} <{feed.url}>: {reason}", err=True)
    verb = "would add" if dry_run else "added"
    feeds_word = "feed" if len(plan.added) == 1 else "feeds"
    click.echo(f"{verb} {len(plan.added)} {feeds_word} to {ctx.config_path}; skipped {len(plan.skipped)} already "
               f"configured, {len(result.invalid)} invalid")


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
    click.echo(f"wrote {len(settings.feeds)} feeds to {out}", err=True)


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
    click.echo(f"added {result.feed.name!r}: {result.feed.url}{how}, {found.entries} entries, to {ctx.config_path}")


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


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


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
                 "relevance", "stances"]


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def export_rows(store: Store, since: datetime | None, topic: str) -> Iterator[dict[str, Any]]:
    for a in store.articles(since=since, topic=topic):
        yield {"id": a.id, "url": a.url, "title": a.title, "summary": a.summary, "published": _iso(a.published),
               "first_seen": _iso(a.first_seen), "language": a.language, "feeds": list(a.feeds),
               "relevant": a.relevant, "relevance": a.relevance,
               "stances": [{"country": st.country, "stance": st.stance, "confidence": st.confidence,
                            "evidence": st.evidence} for st in a.stances]}


@cli.command()
@click.option("--since", metavar="WHEN", help="Only articles published since: a duration back (7d) or a date.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@pass_ctx
def export(ctx: Context, since: str | None, fmt: str) -> None:
    """Write stored articles to stdout, one per line (jsonl) or row (csv)."""
    settings = ctx.settings()
    store = ctx.store()
    rows = export_rows(store, parse_since(since), _topic_name(settings.judge.topics[0]))
    out = click.get_text_stream("stdout")
    write: Callable[[dict[str, Any]], Any]
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
        writer.writeheader()

        def write(row: dict[str, Any]) -> Any:
            flat = {k: ("" if v is None else v) for k, v in row.items()}
            flat["feeds"] = "; ".join(row["feeds"])
            flat["stances"] = "; ".join(f"{st['country']}:{st['stance']}:{st['confidence']:.2f}"
                                        for st in row["stances"])
            return writer.writerow(flat)
    else:

        def write(row: dict[str, Any]) -> Any:
            return out.write(json.dumps(row, ensure_ascii=False) + "\n")

    for row in rows:
        write(row)


def _topic_name(spec: str) -> str:
    """A configured topic is a built-in name or a YAML path; stored judgements are keyed by the topic's name."""
    from monitor.judge import topic_header

    return topic_header(spec)[0]


def _judges(ctx: Context) -> Any:
    from monitor.judge import judges_for

    judge = ctx.settings().judge
    return judges_for(judge.topics, judge.actors)


# ------------------------------------------------------------------------------------------------ judge


@cli.command()
@click.argument("source", type=click.File("r", encoding="utf-8"), metavar="FILE|-")
@pass_ctx
def classify(ctx: Context, source: Any) -> None:
    """Judge JSON lines {"id","title","text"} and print one JSON line per input, in order (a stable contract)."""
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
                            lang=str(item.get("lang") or item.get("language") or "") or None)
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
    """Judge stored articles again (after a lexicon or topic change), replacing their stances."""
    from monitor.pipeline import utcnow

    store = ctx.store()
    judges = _judges(ctx)
    done = relevant = 0
    for chunk in store.texts(parse_since(since)):
        items = [(aid, judges.judge(title, text)) for aid, title, text in chunk]
        store.replace_judgements(items, utcnow())
        done += len(items)
        relevant += sum(1 for _, js in items if js[0].relevant)
    click.echo(f"re-judged {done} articles: {relevant} relevant (classifier {judges.primary.version})")


@cli.command()
@click.option("--since", default="30d", show_default=True, metavar="WHEN", help="Period: 30d, 12h or a date.")
@click.option("--country", "countries", multiple=True, metavar="CODE", help="Only this state (repeatable).")
@click.option("--min-confidence", type=float, default=0.0, show_default=True)
@pass_ctx
def stances(ctx: Context, since: str, countries: tuple[str, ...], min_confidence: float) -> None:
    """Where each member state stood in the period: counts per label, net lean, latest evidence."""
    from monitor.judge import HARD, MIXED, PRO, member_states
    from monitor.summary import summarise

    try:
        countries = member_states(countries)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--country") from None
    settings = ctx.settings()
    store = ctx.store()
    facts = store.stance_facts(_topic_name(settings.judge.topics[0]), parse_since(since), None, countries,
                               min_confidence)
    rows = [("STATE", "PRO", "HARD", "MIXED", "LEAN", "LATEST EVIDENCE")]
    for summ in summarise(facts):
        latest = summ.latest
        evidence = f"{latest.published:%Y-%m-%d} {latest.stance}: {latest.evidence}" if latest else ""
        rows.append((f"{summ.country} {summ.name}", str(summ.counts[PRO]), str(summ.counts[HARD]),
                     str(summ.counts[MIXED]), f"{summ.lean:+.2f}", _clip(evidence, 90)))
    if len(rows) == 1:
        click.echo(f"no stances since {since}")
        return
    click.echo(_table(rows))
    click.echo(f"\n{len(facts)} stances in {len({f.article_id for f in facts})} relevant articles since {since}; "
               "lean = (pro - hard) / all, from -1 (hardline) to +1 (pro-dialogue)")


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
    summary = (f"{cfg.name}: {data.stories_count} stories, {data.states_count} states, "
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
    """Build a digest and deliver it now (SMTP, or the outbox without an smtp section). Exits 1 if undelivered."""
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
    rows = [("RUN", "DIGEST", "STATUS", "STARTED", "WINDOW FROM", "STORIES", "TRIES", "DELIVERY / ERROR")]
    for r in runs:
        tz = tz_of.get(r.name)
        detail = r.error if r.status == "failed" else (r.delivery or "")
        rows.append((str(r.id), r.name, r.status, _local_time(r.created_at, tz), _local_time(r.window_start, tz),
                     str(r.stories), str(r.attempts), _clip(detail or "", 70)))
    click.echo(_table(rows) if runs else "no digest has run yet")
    now = datetime.now(UTC)
    for d in settings.digests:
        if name is None or d.name == name:
            due = _local_time(d.cron.next_after(now), d.timezone)
            click.echo(f"{d.name}: '{d.schedule}' ({d.timezone}), next {due}, to {', '.join(d.recipients)}")


def main() -> None:
    cli(prog_name="monitor")


if __name__ == "__main__":
    main()
