"""The 02:00 schedule: the deployment ``claimwatch schedule`` serves, the documented prefect.yaml,
and a clear error where no Prefect server is configured."""

from __future__ import annotations

import subprocess
import sys

import yaml

from claimwatch.flows.deploy import nightly_deployment
from claimwatch.settings import REPO_ROOT


def test_deployment_runs_nightly_flow_at_two() -> None:
    deployment = nightly_deployment("claimwatch-nightly", "0 2 * * *", "Asia/Ho_Chi_Minh")
    assert deployment.flow_name == "nightly"
    [schedule] = deployment.schedules or []
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 2 * * *", "Asia/Ho_Chi_Minh")  # type: ignore[union-attr]


def test_prefect_yaml_declares_the_same_deployment() -> None:
    document = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    [deployment] = document["deployments"]
    assert deployment["entrypoint"] == "flows/nightly.py:nightly"
    assert deployment["schedules"][0]["cron"] == "0 2 * * *"


def schedule(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "from claimwatch.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, "schedule", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_schedule_dry_run_and_missing_server(monkeypatch: object) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    dry = schedule("--dry-run", "--cron", "30 1 * * *", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "30 1 * * * (UTC)" in dry.stdout
    refused = schedule(env=env)
    assert refused.returncode == 1 and "needs a Prefect server" in refused.stderr
