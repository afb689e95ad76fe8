"""The typed settings: defaults, environment overrides, clear errors, and documentation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from claimwatch.errors import ConfigError
from claimwatch.settings import REPO_ROOT, Settings, load_settings


def test_sqlite_in_the_data_directory_is_the_default(data_dir: Path) -> None:
    settings = load_settings()
    assert settings.data_dir == data_dir
    assert settings.resolved_database_url == f"sqlite:///{(data_dir / 'claimwatch.db').resolve()}"
    assert settings.schedule_cron == "0 2 * * *"


def test_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMWATCH_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("CLAIMWATCH_FLAG_THRESHOLD", "0.7")
    settings = load_settings()
    assert settings.resolved_database_url == "postgresql+psycopg://u@h/db"
    assert settings.flag_threshold == 0.7


def test_invalid_values_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMWATCH_FLAG_THRESHOLD", "1.5")
    with pytest.raises(ConfigError, match="CLAIMWATCH_FLAG_THRESHOLD"):
        load_settings()


def test_every_setting_is_documented() -> None:
    documented = set(
        re.findall(r"`CLAIMWATCH_([A-Z_]+)`", (REPO_ROOT / "docs" / "settings.md").read_text())
    )
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - documented == set(), "settings missing from docs/settings.md"
    assert documented - fields <= {"DEMO_PORT", "REVIEWER", "EDITOR", "TEST_POSTGRES_URL"}, (
        "docs/settings.md lists unknown settings"
    )
