"""The documentation stays true: the README's two set-up commands exist as written, CI runs the
README's test command, every command the README names exists, and every source file says its role."""

from __future__ import annotations

import ast
import re

from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.settings import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def setup_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    return [
        line for block in blocks for line in block.splitlines() if line.startswith("./setup.sh")
    ]


def test_readme_has_exactly_two_setup_commands() -> None:
    assert setup_commands() == [
        "./setup.sh && .venv/bin/claimwatch demo",
        "./setup.sh --dev && .venv/bin/python -m pytest",
    ]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert setup_commands()[1] in ci.splitlines()


def test_setup_script_accepts_what_the_readme_passes() -> None:
    script = (REPO_ROOT / "setup.sh").read_text(encoding="utf-8")
    assert "--dev)" in script and ".venv" in script and "models build" in script


def test_every_command_in_the_readme_exists() -> None:
    runner = CliRunner()
    code = "\n".join(re.findall(r"```bash\n(.*?)```", README, flags=re.S))
    named = set(re.findall(r"^claimwatch ([a-z]+)(?: ([a-z]+))?", code, flags=re.M))
    assert len(named) >= 8
    for group, sub in named:
        words = [
            group,
            *(
                [sub]
                if sub
                and group in {"queue", "snippets", "sources", "models", "eval", "db", "users"}
                else []
            ),
        ]
        result = runner.invoke(app, [*words, "--help"])
        assert result.exit_code == 0, (words, result.output)


def test_every_module_has_a_docstring() -> None:
    missing = []
    for package in (
        "claimwatch",
        "crawlers",
        "pipeline",
        "models",
        "evaluation",
        "rebuttals",
        "review",
        "store",
        "flows",
        "web",
        "benchmarks",
    ):
        for path in (REPO_ROOT / package).rglob("*.py"):
            if "versions" in path.parts or (
                path.name == "__init__.py" and not path.read_text(encoding="utf-8").strip()
            ):
                continue
            if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None:
                missing.append(str(path.relative_to(REPO_ROOT)))
    assert missing == []
