"""One import name over the design card's folders, and a layer contract the docs describe."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from claimwatch.settings import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FOLDERS = (
    "crawlers",
    "pipeline",
    "models",
    "rebuttals",
    "flows",
    "review",
    "web",
    "store",
    "evaluation",
)


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter started in ``cwd``, with nothing added to its path."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_users_own_modules_do_not_shadow_the_package(tmp_path: Path) -> None:
    for name in ("models.py", "flows.py", "store.py", "pipeline.py"):
        (tmp_path / name).write_text("raise SystemExit('the user file was imported')\n")
    result = _python("import claimwatch.flows.nightly, claimwatch.web; print('ok')", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_only_claimwatch_is_importable_outside_the_checkout(tmp_path: Path) -> None:
    code = (
        "import importlib.util as u\n"
        f"print(sorted(n for n in {FOLDERS!r} if u.find_spec(n)))\n"
        "import claimwatch.pipeline, claimwatch.store\n"
        "print(claimwatch.pipeline.__path__[0], claimwatch.store.__path__[0])\n"
    )
    result = _python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    bare, paths = result.stdout.splitlines()
    assert bare == "[]"
    pipeline, store = (Path(p).resolve() for p in paths.split())
    assert (pipeline, store) == (REPO_ROOT / "pipeline", REPO_ROOT / "store")


def test_the_package_covers_every_root_folder() -> None:
    assert PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"] == ["claimwatch*"]
    for folder in FOLDERS:
        link = REPO_ROOT / "claimwatch" / folder
        assert link.resolve() == REPO_ROOT / folder, folder
        assert (link / "__init__.py").is_file(), folder


def test_the_layout_doc_names_every_layer_of_the_contract() -> None:
    doc = (REPO_ROOT / "docs" / "layout.md").read_text(encoding="utf-8")
    contracts = {c["id"]: c for c in PYPROJECT["tool"]["importlinter"]["contracts"]}
    modules = {name.strip() for layer in contracts["layers"]["layers"] for name in layer.split("|")}
    assert modules >= {f"claimwatch.{folder}" for folder in FOLDERS}
    assert sorted(m for m in modules if m not in doc) == []
