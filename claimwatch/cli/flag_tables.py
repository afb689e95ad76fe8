"""Tables of the flag model for ``claimwatch models``: a refit against the current model, and
every kept version."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich import box
from rich.table import Table

if TYPE_CHECKING:
    from claimwatch.flows.flag_training import FlagTrainingResult, FlagVersion

# (row label, figure) on the bundled test split; higher is better only for recall and seen.
TEST_ROWS = (
    ("repeats flagged (recall)", "flag.recall"),
    ("  en", "flag.recall.en"),
    ("  fr", "flag.recall.fr"),
    ("  vi", "flag.recall.vi"),
    ("corrections flagged", "flag.false_rate.correction"),
    ("related claims flagged", "flag.false_rate.related"),
    ("unrelated claims flagged", "flag.false_rate.unrelated"),
    ("unknown narratives flagged", "flag.false_rate.unknown_narrative"),
    ("corrections seen", "correction.seen"),
)
WORSE_WHEN_LOWER = {"flag.recall", "flag.recall.en", "flag.recall.fr", "flag.recall.vi"}
WORSE_WHEN_LOWER |= {"correction.seen"}


def _cell(figures: dict[str, float], name: str) -> str:
    return f"{figures[name]:.3f}" if name in figures else "—"


def _marked(before: dict[str, float], after: dict[str, float], name: str) -> str:
    cell = _cell(after, name)
    if name in before and name in after:
        lower = after[name] < before[name] - 1e-9
        higher = after[name] > before[name] + 1e-9
        if (lower and name in WORSE_WHEN_LOWER) or (higher and name not in WORSE_WHEN_LOWER):
            cell += " ▼"
    return cell


def flag_comparison_table(result: FlagTrainingResult) -> Table:
    """The current flag and the refitted one on the bundled test split (per language) and on the
    held-out decisions; a change for the worse is marked ▼."""
    table = Table(title="Flag on held-out claims: current, then refitted (→)")
    table.add_column("figure")
    table.add_column("current", justify="right")
    table.add_column("→ refitted", justify="right")
    before, after = result.before.bundled, result.after.bundled
    for label, name in TEST_ROWS:
        table.add_row(label, _cell(before, name), _marked(before, after, name))
    for head in ("repeat", "correction"):
        old = getattr(result.current, head).threshold
        new = getattr(result.candidate, head).threshold
        table.add_row(f"{head} threshold", f"{old:.2f}", f"{new:.2f}")
    old_decisions, new_decisions = result.before.decisions, result.after.decisions
    if old_decisions.get("n"):
        for label, name in (
            (f"held-out repeats ({int(old_decisions['repeats'])})", "flag.recall"),
            (f"held-out rejected ({int(old_decisions['rejected'])})", "flag.false_rate.rejected"),
        ):
            table.add_row(
                label,
                _cell(old_decisions, name),
                _marked(old_decisions, new_decisions, name),
            )
    return table


def _test_figures(figures: dict[str, Any]) -> dict[str, float]:
    bundled = figures.get("bundled")
    return bundled if isinstance(bundled, dict) else {}


def flag_versions_table(versions: list[FlagVersion]) -> Table:
    """Every kept flag model, newest first: current or not, its last event, when it was first
    seen, and its recall and false rates on the bundled test split when they were measured."""
    table = Table(title="Versions of the flag model (test split)", box=box.SIMPLE_HEAD)
    table.add_column("version", no_wrap=True)
    table.add_column("state", no_wrap=True)
    for header in ("recall", "corrections", "related", "unrelated", "unknown"):
        table.add_column(header, justify="right")
    names = ("flag.recall", *(name for _, name in TEST_ROWS[4:8]))
    for version in reversed(versions):
        figures = _test_figures(version.figures)
        state = " · ".join(
            part
            for part in (
                "current" if version.current else "",
                version.events[-1],
                version.first_at[:16].replace("T", " "),
            )
            if part
        )
        table.add_row(version.version, state, *(_cell(figures, name) for name in names))
    return table
