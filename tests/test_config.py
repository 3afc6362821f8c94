"""Config: YAML -> Settings, and every mistake a user can make -> one line naming file, line and key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitor.config import (
    DEFAULT_CONFIG_PATH,
    ConfigError,
    FeedConfig,
    load_settings,
    normalise_database_url,
    parse_duration,
    parse_settings,
    parse_size,
)
from tests.support.cli import run_monitor, unset_env, write_config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_monitor_env(monkeypatch: pytest.MonkeyPatch) -> None:
    unset_env(monkeypatch)


# ------------------------------------------------------------------------------------------------ valid configs

VALID = """
database: sqlite:///var/monitor.db
defaults:
  interval: 20m
  language: de
http:
  timeout: 12s
  connect_timeout: 3s
  max_body: 2MB
  max_redirects: 3
  concurrency: 7
  per_host: 1
  max_backoff: 6h
  user_agent: test-agent/1.0
log:
  level: warning
  format: json
feeds:
  - name: Euractiv
    url: https://www.euractiv.com/feed/
    interval: 30m
    language: en
    tags: [eu, policy]
    enabled: true
  - name: Tagesschau
    url: https://www.tagesschau.de/xml/rss2/
  - name: Old one
    url: http://old.example.org/rss
    interval: 1h30m
    language: pt_BR
    tags: single
    enabled: false
"""


def test_valid_config_gives_settings(tmp_path: Path) -> None:
    path = write_config(tmp_path, VALID)
    s = load_settings(path)
    assert s.path == path
    assert s.database_url == f"sqlite:///{tmp_path}/var/monitor.db"  # relative to the config file's folder
    assert s.default_interval == 1200.0
    assert s.default_language == "de"
    assert s.http.timeout == 12.0
    assert s.http.connect_timeout == 3.0
    assert s.http.max_body_bytes == 2 * 1024 * 1024
    assert s.http.max_redirects == 3
    assert s.http.concurrency == 7
    assert s.http.per_host == 1
    assert s.http.max_backoff == 6 * 3600.0
    assert s.http.user_agent == "test-agent/1.0"
    assert (s.log.level, s.log.format) == ("warning", "json")
    assert s.feeds == (
        FeedConfig("Euractiv", "https://www.euractiv.com/feed/", 1800.0, "en", ("eu", "policy"), True),
        FeedConfig("Tagesschau", "https://www.tagesschau.de/xml/rss2/", 1200.0, "de", (), True),
        FeedConfig("Old one", "http://old.example.org/rss", 5400.0, "pt", ("single",), False),
    )
    assert [f.name for f in s.enabled_feeds] == ["Euractiv", "Tagesschau"]
    assert s.feed("tagesschau").url == "https://www.tagesschau.de/xml/rss2/"


def test_defaults_when_sections_are_missing() -> None:
    s = parse_settings("feeds:\n  - name: A\n    url: http://a.example/\n", "x.yaml")
    assert s.database_url == "sqlite:///data/monitor.db"
    assert s.default_interval == 900.0
    assert s.http.timeout == 30.0
    assert s.http.max_body_bytes == 10 * 1024 * 1024
    assert s.http.max_redirects == 5
    assert s.http.per_host == 2
    assert s.http.max_backoff == 86400.0
    assert s.http.user_agent.startswith("monitor/")
    assert s.feeds[0].interval == 900.0
    assert s.feeds[0].enabled is True
    assert s.feeds[0].language is None


def test_empty_config_is_valid_with_no_feeds() -> None:
    s = parse_settings("", "x.yaml")
    assert s.feeds == ()


@pytest.mark.parametrize(("text", "problem"), [
    ("", "x.yaml: the config file is empty: add feeds under feeds:"),
    ("# only a comment\n\n   # and another\n", "x.yaml: the config file is empty: add feeds under feeds:"),
    ("log:\n  level: info\n", "x.yaml: no feeds configured: add some under feeds: or with `monitor feeds add URL`"),
    ("feeds: []\n", "x.yaml: no feeds configured"),
    ("feeds:\n  - name: A\n    url: http://a.example/\n    enabled: false\n",
     "x.yaml: the only feed is disabled (enabled: false): enable one to poll"),
    ("feeds:\n  - {name: A, url: 'http://a.example/', enabled: false}\n"
     "  - {name: B, url: 'http://b.example/', enabled: false}\n",
     "x.yaml: all 2 feeds are disabled (enabled: false)"),
])
def test_a_config_with_nothing_to_poll_names_the_problem(text: str, problem: str) -> None:
    s = parse_settings(text, "x.yaml", Path("x.yaml"))
    found = s.feed_problem()
    assert found is not None and found.startswith(problem), found


def test_a_config_with_an_enabled_feed_has_no_feed_problem() -> None:
    assert parse_settings("feeds:\n  - name: A\n    url: http://a.example/\n", "x.yaml").feed_problem() is None


# ------------------------------------------------------------------------------------------------ relative paths


def test_relative_paths_resolve_against_the_config_files_folder(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The database, the outbox, topic and actor files and the CA file: all read beside the config, never
    beside wherever the process happens to run (systemd starts in /, cron in $HOME)."""
    folder = tmp_path / "srv" / "config"
    (folder / "lexicon").mkdir(parents=True)
    topic = folder / "lexicon" / "narrow.yaml"
    topic.write_text((ROOT / "monitor/judge/topics/eu-russia-dialogue.yaml").read_text("utf-8"), "utf-8")
    (folder / "actors.yaml").write_text((ROOT / "monitor/judge/actors.yaml").read_text("utf-8"), "utf-8")
    (folder / "ca.pem").write_text("not checked here\n", encoding="utf-8")
    path = write_config(folder, """
        database: sqlite:///../data/monitor.db
        outbox: mail/out
        judge:
          topics: [lexicon/narrow.yaml]
          actors: actors.yaml
        smtp:
          host: smtp.example.org
          sender: monitor@example.org
          ca_file: ca.pem
    """)
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    s = load_settings(path)
    assert s.database_url == f"sqlite:///{tmp_path}/srv/data/monitor.db"
    assert s.outbox == str(folder / "mail" / "out")
    assert s.judge.topics == (str(topic),)
    assert s.judge.actors == str(folder / "actors.yaml")
    assert s.smtp is not None and s.smtp.ca_file == str(folder / "ca.pem")
    assert s.warnings == ()

    # A config named by a relative path resolves the same way: against its folder, made absolute.
    monkeypatch.chdir(tmp_path)
    again = load_settings(Path("srv/config/monitor.yaml"))
    assert (again.database_url, again.outbox, again.judge.topics) == (s.database_url, s.outbox, s.judge.topics)


def test_defaults_resolve_against_the_config_files_folder_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path, "feeds: []\n")
    monkeypatch.chdir("/")
    s = load_settings(path)
    assert s.database_url == f"sqlite:///{tmp_path}/data/monitor.db"
    assert s.outbox == f"{tmp_path}/data/outbox"


@pytest.mark.parametrize("database", ["sqlite:////var/lib/monitor/m.db", "sqlite:///:memory:", "sqlite://",
                                      "postgresql://u@db.example.org/mon"])
def test_absolute_memory_and_server_databases_are_left_alone(tmp_path: Path, database: str) -> None:
    s = load_settings(write_config(tmp_path, f"database: '{database}'\n"))
    assert s.database_url == normalise_database_url(database)
    assert s.warnings == ()


def test_a_relative_database_url_in_the_environment_stays_relative_to_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_DATABASE_URL", "sqlite:///here.db")
    assert load_settings(write_config(tmp_path, "feeds: []\n")).database_url == "sqlite:///here.db"


def test_a_database_found_only_by_the_old_rule_is_used_with_a_warning(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, ``sqlite:///data/monitor.db`` was read against the working directory. An upgrade must not
    swap a populated database for a new empty one: the old file is used, and one line says how to keep it."""
    folder = tmp_path / "config"
    folder.mkdir()
    path = write_config(folder, "database: sqlite:///data/monitor.db\nfeeds: []\n")
    old = tmp_path / "data" / "monitor.db"
    old.parent.mkdir()
    old.write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    s = load_settings(path)
    assert s.database_url == f"sqlite:///{old}"
    assert s.warnings == (
        f"{path}:1: database: data/monitor.db is now read relative to the config file's folder "
        f"({folder}/data/monitor.db, which does not exist); using {old}, found relative to the working directory: "
        f"write \"database: sqlite:///{old}\" to keep using it",)

    # Once the file exists beside the config, that one wins and nothing is said.
    (folder / "data").mkdir()
    (folder / "data" / "monitor.db").write_bytes(b"")
    s = load_settings(path)
    assert s.database_url == f"sqlite:///{folder}/data/monitor.db"
    assert s.warnings == ()

    # Run from anywhere else, the old rule finds nothing either: no warning, the config's folder.
    (folder / "data" / "monitor.db").unlink()
    monkeypatch.chdir(folder)
    assert load_settings(path).warnings == ()


def test_postgres_url_uses_psycopg_driver() -> None:
    s = parse_settings("database: postgresql://u:pw@db.example.org:5433/mon\n", "x.yaml")
    assert s.database_url == "postgresql+psycopg://u:pw@db.example.org:5433/mon"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90.0), ("15m", 900.0), ("1h", 3600.0), ("1d", 86400.0), ("1h30m", 5400.0), ("2w", 1209600.0),
     ("500ms", 0.5), ("45", 45.0), (30, 30.0), (2.5, 2.5), ("1H", 3600.0)],
)
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "15 minutes", "m15", "0s", "-5m", "", True, "1x", "1.5.2h"])
def test_parse_duration_rejects(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(("text", "size"), [("10MB", 10 * 1024**2), ("512KB", 512 * 1024), ("1g", 1024**3),
                                            (4096, 4096), ("100", 100), ("1.5 MiB", int(1.5 * 1024**2))])
def test_parse_size(text: object, size: int) -> None:
    assert parse_size(text) == size


# ------------------------------------------------------------------------------------------------ ${VAR}


def test_env_substitution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEED_HOST", "feeds.example.org")
    monkeypatch.setenv("PGPASS", "s3cret")
    monkeypatch.setenv("EMPTY_VAR", "")
    monkeypatch.delenv("UNSET_LANG", raising=False)
    monkeypatch.delenv("UNSET_TAG", raising=False)
    s = parse_settings(textwrap.dedent("""
        database: postgresql://mon:${PGPASS}@db/mon
        feeds:
          - name: Feed on ${FEED_HOST}
            url: https://${FEED_HOST}/rss?price=5$$
            language: ${UNSET_LANG:-fr}
            tags:
              - ${UNSET_TAG:-default-tag}
              - "${EMPTY_VAR:-was-empty}"
              - x${FEED_HOST}
    """), "x.yaml")
    assert s.database_url == "postgresql+psycopg://mon:s3cret@db/mon"
    feed = s.feeds[0]
    assert feed.name == "Feed on feeds.example.org"
    assert feed.url == "https://feeds.example.org/rss?price=5$"
    assert feed.language == "fr"
    assert feed.tags == ("default-tag", "was-empty", "xfeeds.example.org")


def test_env_default_not_used_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_INTERVAL", "45m")
    s = parse_settings("defaults:\n  interval: ${MY_INTERVAL:-5m}\n", "x.yaml")
    assert s.default_interval == 2700.0


def test_unset_env_variable_is_an_error_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_VAR_12345", raising=False)
    path = write_config(tmp_path, """
        feeds:
          - name: A
            url: http://a.example/
          - name: B
            url: http://b.example/${NO_SUCH_VAR_12345}/rss
    """)
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(err.value) == f"{path}:5: feeds[1].url: environment variable NO_SUCH_VAR_12345 is not set"


def test_unset_env_variable_in_a_list_item(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_TAG_VAR", raising=False)
    text = "feeds:\n  - name: A\n    url: http://a.example/\n    tags:\n      - ok\n      - ${NOPE_TAG_VAR}\n"
    with pytest.raises(ConfigError) as err:
        parse_settings(text, "cfg.yaml")
    assert str(err.value) == "cfg.yaml:6: feeds[0].tags[1]: environment variable NOPE_TAG_VAR is not set"


# ------------------------------------------------------------------------------------------------ errors

ERRORS = [
    pytest.param(
        """
        feeds:
          - name: A
            url: http://a.example/
          - name: B
            url: http://b.example/
            intervl: 5m
        """,
        "6: feeds[1].intervl: unknown key (did you mean 'interval'?)",
        id="unknown-feed-key",
    ),
    pytest.param("databse: sqlite:///x.db\n", "1: databse: unknown key (did you mean 'database'?)",
                 id="unknown-top-key"),
    pytest.param(
        """
        http:
          max_body: 5MB
          timout: 3s
        """,
        "3: http.timout: unknown key (did you mean 'timeout'?)",
        id="unknown-http-key",
    ),
    pytest.param(
        """
        feeds:
          - name: Euractiv
            url: http://a.example/
          - name: Other
            url: http://b.example/
          - name: euractiv
            url: http://c.example/
        """,
        "6: feeds[2].name: duplicate feed name 'euractiv' (first at line 2)",
        id="duplicate-feed-name",
    ),
    pytest.param(
        """
        feeds:
          - name: A
            url: ftp://a.example/feed
        """,
        "3: feeds[0].url: 'ftp://a.example/feed' is not an http(s) URL",
        id="ftp-url",
    ),
    pytest.param(
        """
        feeds:
          - name: A
            url: www.example.org/rss
        """,
        "3: feeds[0].url: 'www.example.org/rss' is not an http(s) URL",
        id="url-without-scheme",
    ),
    pytest.param(
        """
        feeds:
          - name: A
            url: https:///rss
        """,
        "3: feeds[0].url: 'https:///rss' has no host",
        id="url-without-host",
    ),
    pytest.param(
        """
        feeds:
          - name: A
            url: http://a.example:99999/rss
        """,
        "3: feeds[0].url: 'http://a.example:99999/rss' has a bad port",
        id="url-bad-port",
    ),
    pytest.param(
        """
        feeds:
          - name: A
            url: http://a.example/
            interval: soon
        """,
        "4: feeds[0].interval: 'soon' is not a duration (use e.g. 90s, 15m, 1h or 1d)",
        id="bad-duration",
    ),
    pytest.param(
        """
        defaults:
          interval: 0m
        """,
        "2: defaults.interval: '0m' must be longer than zero",
        id="zero-duration",
    ),
    pytest.param(
        """
        http:
          max_body: lots
        """,
        "2: http.max_body: 'lots' is not a size (use e.g. 512KB, 10MB)",
        id="bad-size",
    ),
    pytest.param(
        """
        feeds:
          - name: A
        """,
        "2: feeds[0].url: missing (required)",
        id="missing-url",
    ),
    pytest.param(
        """
        feeds:
          - name: A
            url: http://a.example/
            enabled: yes
        """,
        "4: feeds[0].enabled: expected true or false, got str 'yes'",
        id="bad-bool",
    ),
    pytest.param(
        """
        feeds:
          - name: A
            url: http://a.example/
            language: english
        """,
        "4: feeds[0].language: 'english' is not a language code such as en, de or pt-BR",
        id="bad-language",
    ),
    pytest.param("feeds: 3\n", "1: feeds: expected a list of feeds, got int 3", id="feeds-not-a-list"),
    pytest.param(
        """
        feeds:
          - name: "Daily \\u202Ebrief\\e]0;x\\a"
            url: http://a.example/
        """,
        "2: feeds[0].name: contains control or bidi-override characters (U+0007, U+001B, U+202E); remove them",
        id="name-with-escapes",
    ),
    pytest.param(
        """
        log:
          level: loud
        """,
        "2: log.level: 'loud' is not one of debug, info, warning, error",
        id="bad-choice",
    ),
]


@pytest.mark.parametrize(("text", "expected"), ERRORS)
def test_config_errors_name_file_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(err.value) == f"{path}:{expected}"
    assert "\n" not in str(err.value)


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, """
        database: sqlite:///x.db
        feeds:
          - name: A
            url: http://a.example/: oops: x
    """)
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    message = str(err.value)
    assert message.startswith(f"{path}:4: YAML syntax error: ")
    assert "mapping values are not allowed here" in message
    assert "\n" not in message


def test_yaml_tab_indentation_is_a_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "tabs.yaml"
    path.write_text("feeds:\n\t- name: A\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(err.value).startswith(f"{path}:2: YAML syntax error: ")
    assert "\\t" in str(err.value)


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ("database: sqlite:///a.db\nlog:\n  level: info\ndatabase: sqlite:///b.db\n", 4, "database"),
        ("feeds:\n  - name: A\n    url: http://a.example/\n    url: http://b.example/\n", 4, "url"),
    ],
)
def test_duplicate_yaml_keys_are_errors(tmp_path: Path, text: str, line: int, key: str) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}: ")
    assert f'duplicate key "{key}"' in message
    assert "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path / "nope.yaml")
    assert str(err.value).startswith(f"{tmp_path / 'nope.yaml'}: config file not found")


def test_not_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("feeds:\n  - name: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(err.value) == f"{path}:2: config file is not valid UTF-8"


def test_unknown_feed_name(tmp_path: Path) -> None:
    s = load_settings(write_config(tmp_path, VALID))
    with pytest.raises(ConfigError) as err:
        s.feed("Nope")
    assert "no feed named 'Nope'" in str(err.value)
    assert "Euractiv" in str(err.value)


# ------------------------------------------------------------------------------------------------ environment


def test_database_url_env_overrides_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path, VALID)
    monkeypatch.setenv("MONITOR_DATABASE_URL", "postgresql://env:pw@envhost/envdb")
    assert load_settings(path).database_url == "postgresql+psycopg://env:pw@envhost/envdb"
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path}/other.db")
    assert load_settings(path).database_url == f"sqlite:///{tmp_path}/other.db"


def test_database_url_env_overrides_even_a_bad_config_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_DATABASE_URL", "sqlite:///env.db")
    assert parse_settings("database: mysql://nope/db\n", "x.yaml").database_url == "sqlite:///env.db"


def test_bad_database_url_env_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_DATABASE_URL", "mysql://u@h/db")
    with pytest.raises(ConfigError) as err:
        parse_settings("", "x.yaml")
    assert str(err.value) == "$MONITOR_DATABASE_URL: unsupported database 'mysql' (use sqlite:/// or postgresql://)"


def test_bad_database_url_in_config(tmp_path: Path) -> None:
    path = write_config(tmp_path, "database: mysql://u@h/db\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(err.value) == f"{path}:1: database: unsupported database 'mysql' (use sqlite:/// or postgresql://)"


def test_config_path_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path, VALID)
    monkeypatch.setenv("MONITOR_CONFIG", str(path))
    assert load_settings().path == path
    monkeypatch.delenv("MONITOR_CONFIG")
    assert Path("config/monitor.yaml") == DEFAULT_CONFIG_PATH


# ------------------------------------------------------------------------------------------------ monitor check


CHECK_ERRORS = [
    ("feeds:\n  - name: A\n    url: http://a.example/\n    intervl: 5m\n", ":4: feeds[0].intervl: unknown key"),
    ("feeds:\n  - name: A\n    url: http://a.example/\n  - name: A\n    url: http://b.example/\n",
     ":4: feeds[1].name: duplicate feed name 'A' (first at line 2)"),
    ("feeds:\n  - name: A\n    url: gopher://a.example/\n", ":3: feeds[0].url: 'gopher://a.example/' is not an http"),
    ("feeds:\n  - name: A\n    url: http://a.example/\n    interval: 5 mins\n", ":4: feeds[0].interval: '5 mins'"),
    ("feeds:\n  - name: A\n    url: http://a.example/: b: c\n", ":3: YAML syntax error: mapping values"),
    ("feeds: []\nfeeds: []\n", ':2: YAML syntax error: found duplicate key "feeds"'),
    ("feeds:\n  - name: A\n    url: http://${UNSET_HOST_VAR_987}/\n",
     ":3: feeds[0].url: environment variable UNSET_HOST_VAR_987 is not set"),
]


@pytest.mark.parametrize(("text", "expected"), CHECK_ERRORS)
def test_monitor_check_fails_with_one_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_monitor("--config", str(path), "check", cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{path}{expected}"), lines[0]
    assert result.stdout == ""


def test_every_command_reports_config_errors_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("feeds:\n  - name: A\n    url: http://a.example/\n    colour: red\n", encoding="utf-8")
    for command in (["poll"], ["feeds"], ["export"], ["db", "upgrade"], ["run"]):
        result = run_monitor("--config", str(path), *command, cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"{path}:4: feeds[0].colour: unknown key (allowed: name, url, interval, "), command
    assert not (tmp_path / "data").exists()


def test_monitor_check_missing_file(tmp_path: Path) -> None:
    result = run_monitor("--config", str(tmp_path / "missing.yaml"), "check", cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"{tmp_path / 'missing.yaml'}: config file not found (pass --config PATH or set $MONITOR_CONFIG)"]


def test_monitor_check_ok(tmp_path: Path) -> None:
    path = write_config(tmp_path, VALID)
    result = run_monitor("--config", str(path), "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{path}: ok (3 feeds, 2 enabled)",
                                          f"  database  sqlite:///{tmp_path}/var/monitor.db",
                                          f"  outbox    {tmp_path}/data/outbox"]
    assert result.stderr == ""


def test_monitor_check_uses_monitor_config_env(tmp_path: Path) -> None:
    path = write_config(tmp_path, VALID)
    result = run_monitor("check", cwd=tmp_path, env={"MONITOR_CONFIG": str(path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"{path}: ok (3 feeds, 2 enabled)"


def test_shipped_config_validates() -> None:
    path = ROOT / "config" / "monitor.yaml"
    s = load_settings(path)
    assert len(s.feeds) >= 20
    assert len({f.name.casefold() for f in s.feeds}) == len(s.feeds)
    assert all(f.url.startswith(("http://", "https://")) for f in s.feeds)
    assert len({f.language for f in s.feeds if f.language}) >= 4  # outlets in several EU languages
    result = run_monitor("check", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("config/monitor.yaml: ok (")
