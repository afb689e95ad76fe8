"""An operator's mistake is one clear line on stderr and exit 1, never a traceback; a run in
which every source failed exits 1 and says so; the demo keeps to its own database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

CLAIMWATCH = str(Path(sys.executable).with_name("claimwatch"))


def claimwatch(
    *args: str, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLAIMWATCH, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the probe closes


def wrong_shape(tmp_path: Path) -> str:
    path = tmp_path / "not-a-library.json"
    path.write_text('{"items": []}', encoding="utf-8")
    return str(path)


MISTAKES = [
    pytest.param(
        lambda t: {
            "CLAIMWATCH_DATABASE_URL": f"postgresql+psycopg://nobody@127.0.0.1:{closed_port()}/x"
        },
        ["queue", "list"],
        "cannot open the database",
        id="unreachable database",
    ),
    pytest.param(
        lambda t: {"CLAIMWATCH_DATABASE_URL": "mysqlx://db/claims"},
        ["queue", "list"],
        "is not a database URL",
        id="bad database URL",
    ),
    pytest.param(
        lambda t: {"CLAIMWATCH_DATA_DIR": str(t / "file" / "data")},
        ["queue", "list"],
        "cannot be written",
        id="data directory under a file",
    ),
    pytest.param(
        lambda t: {"CLAIMWATCH_EMBED_DEVICE": "cuda"},
        ["eval", "sentences"],
        "CLAIMWATCH_EMBED_DEVICE=cuda",
        id="cuda on a CPU torch",
    ),
    pytest.param(
        lambda t: {},
        ["snippets", "pull", "-o", "{tmp}/missing/pull.json"],
        "does not exist",
        id="output into a missing folder",
    ),
    pytest.param(
        lambda t: {},
        ["snippets", "import", "{wrong}"],
        "not a library document",
        id="import of the wrong shape",
    ),
    pytest.param(
        lambda t: {},
        ["schedule", "--cron", "61 * * *", "--dry-run"],
        "CLAIMWATCH_SCHEDULE_CRON",
        id="bad cron",
    ),
    pytest.param(
        lambda t: {"CLAIMWATCH_SCHEDULE_TIMEZONE": "Mars/Olympus"},
        ["schedule", "--dry-run"],
        "Invalid timezone",
        id="bad time zone",
    ),
]


@pytest.mark.parametrize(("environment", "args", "message"), MISTAKES)
def test_a_mistake_is_one_clear_line(
    tmp_path: Path,
    data_dir: Path,
    environment: Callable[[Path], dict[str, str]],
    args: list[str],
    message: str,
) -> None:
    (tmp_path / "file").write_text("a file, not a folder")
    filled = [a.format(tmp=tmp_path, wrong=wrong_shape(tmp_path)) for a in args]
    result = claimwatch(*filled, env=environment(tmp_path))
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert message in lines[0]


def test_a_run_where_every_source_failed_exits_1_and_says_why(
    tmp_path: Path, data_dir: Path
) -> None:
    sources = tmp_path / "sources.toml"
    url = f"http://127.0.0.1:{closed_port()}/rss.xml"
    sources.write_text(f'[[source]]\nname = "down"\nkind = "feed"\nurl = "{url}"\n')
    env = {"CLAIMWATCH_SOURCES_FILE": str(sources), "CLAIMWATCH_ALLOW_PRIVATE_HOSTS": "1"}
    result = claimwatch("run", "--no-prefect", env=env)
    assert result.returncode == 1
    assert "every source failed this run: nothing new could be read" in result.stdout
    assert result.stderr.strip().startswith("error: every source failed this run (1 of 1)")


def test_the_demo_never_touches_the_configured_database(tmp_path: Path, data_dir: Path) -> None:
    configured = tmp_path / "newsroom" / "claimwatch.db"
    port = str(closed_port())
    env = {"CLAIMWATCH_DATABASE_URL": f"sqlite:///{configured}", "CLAIMWATCH_DEMO_PORT": port}
    result = claimwatch("demo", env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert not configured.exists() and not configured.parent.exists()
    assert (data_dir / "demo" / "claimwatch.db").is_file()
    assert "CLAIMWATCH_DATABASE_URL= claimwatch --data-dir" in result.stdout
