"""A nightly run's life: open it under the run lock, close what a killed run left, close it.

Opening a run (the caller holds the run lock, so no other run is alive):

- every ``run`` row still ``running`` belonged to a process that died without closing it (killed,
  out of memory, power cut): it is closed as ``interrupted``;
- the processes a killed run left behind on this machine (Prefect's ephemeral API server, the
  Scrapy child) are ended, if they are still the very processes that run recorded;
- crawl scratch folders whose owning process is gone are removed;
- the articles an earlier run stored but never analysed are counted: this run analyses them.

The child processes of a run are recorded in ``<data_dir>/runs/run-<id>.json`` and the file is
removed when the run closes; a file left there is the mark of a run that did not close.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from claimwatch.store.schema import Article, Run, utcnow

INTERRUPTED = "interrupted"
CRAWL_SCRATCH_PREFIX = "crawl-"


@dataclass
class RunStart:
    """What opening a run found and did."""

    run_id: int
    interrupted_runs: list[int] = field(default_factory=list)
    processes_ended: int = 0
    scratch_removed: int = 0
    articles_pending: int = 0  # stored by an earlier run, not analysed yet

    def notes(self) -> list[str]:
        """What the run report says about the work this run picked up."""
        lines = []
        if self.interrupted_runs:
            runs = ", ".join(f"#{r}" for r in self.interrupted_runs)
            lines.append(f"closed run {runs} as interrupted (its process ended without closing it)")
        if self.processes_ended or self.scratch_removed:
            lines.append(
                f"cleaned up after it: {self.processes_ended} leftover processes ended, "
                f"{self.scratch_removed} scratch folders removed"
            )
        if self.articles_pending:
            lines.append(
                f"resumed {self.articles_pending} articles an earlier run stored but did not analyse"
            )
        return lines


def runs_dir(data_dir: Path) -> Path:
    return data_dir / "runs"


def scratch_dir(data_dir: Path) -> Path:
    """Where crawls keep their temporary files (each in a folder named after its process)."""
    return data_dir / "tmp"


def _process_file(data_dir: Path, run_id: int) -> Path:
    return runs_dir(data_dir) / f"run-{run_id}.json"


def record_processes(data_dir: Path, run_id: int) -> None:
    """Record this process (the run's owner) and its children (e.g. Prefect's API server), so
    that the next run can end the children if this one is killed."""
    me = psutil.Process()
    record = {
        "host": socket.gethostname(),
        "owner": {"pid": me.pid, "started": me.create_time()},
        "processes": [{"pid": p.pid, "started": p.create_time()} for p in me.children(True)],
    }
    path = _process_file(data_dir, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))


def forget_processes(data_dir: Path, run_id: int) -> None:
    _process_file(data_dir, run_id).unlink(missing_ok=True)


def _is_running(pid: int, started: float) -> bool:
    """Whether ``pid`` is still the process that was recorded (same start time)."""
    try:
        return bool(abs(psutil.Process(pid).create_time() - started) <= 1.0)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _end_process(pid: int, started: float) -> bool:
    """End ``pid`` if it is still the process that was recorded (same start time)."""
    if pid == os.getpid() or not _is_running(pid, started):
        return False
    try:
        process = psutil.Process(pid)
        process.terminate()
        try:
            process.wait(timeout=5)
        except psutil.TimeoutExpired:
            process.kill()
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return False
    return True


def end_leftover_processes(data_dir: Path) -> int:
    """End the recorded processes of runs that did not close (on this machine only)."""
    ended = 0
    for path in sorted(runs_dir(data_dir).glob("run-*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            continue
        if record.get("host") != socket.gethostname():
            continue
        owner = record.get("owner", {})
        if _is_running(int(owner.get("pid", 0)), float(owner.get("started", 0))):
            # The run's own process lives (a run that failed inside a long-lived process, this
            # one perhaps): its children are not orphans, so leave them be.
            if owner.get("pid") == os.getpid():
                path.unlink(missing_ok=True)
            continue
        for process in record.get("processes", []):
            ended += _end_process(int(process["pid"]), float(process["started"]))
        path.unlink(missing_ok=True)
    return ended


def scratch_owner(folder: Path) -> int | None:
    """The process id in a scratch folder's name (``crawl-<pid>-…``)."""
    parts = folder.name.removeprefix(CRAWL_SCRATCH_PREFIX).split("-", 1)
    return int(parts[0]) if parts and parts[0].isdigit() else None


def remove_orphaned_scratch(data_dir: Path) -> int:
    """Remove crawl scratch folders whose process is gone, first ending a crawl child still
    running in one (its pid is in ``crawl.pid``)."""
    removed = 0
    root = scratch_dir(data_dir)
    for folder in sorted(root.glob(CRAWL_SCRATCH_PREFIX + "*")) if root.is_dir() else []:
        owner = scratch_owner(folder)
        if owner is not None and psutil.pid_exists(owner) and owner != os.getpid():
            continue
        child = folder / "crawl.pid"
        if child.is_file():
            pid, _, started = child.read_text().partition(" ")
            if pid.isdigit() and started:
                _end_process(int(pid), float(started))
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def close_interrupted_runs(session: Session) -> list[int]:
    """Close every run still marked running (the caller holds the run lock) as interrupted."""
    stale = list(session.scalars(select(Run.id).where(Run.status == "running").order_by(Run.id)))
    if stale:
        session.execute(
            update(Run)
            .where(Run.id.in_(stale))
            .values(status=INTERRUPTED, finished_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return stale


def open_run(session: Session, data_dir: Path) -> RunStart:
    """Close what killed runs left and open a new run row (the caller holds the run lock)."""
    interrupted = close_interrupted_runs(session)
    ended = end_leftover_processes(data_dir)
    scratch = remove_orphaned_scratch(data_dir)
    pending = unanalysed_articles(session)
    run = Run(host=socket.gethostname(), pid=os.getpid())
    session.add(run)
    session.flush()
    return RunStart(run.id, interrupted, ended, scratch, pending)


def unanalysed_articles(session: Session) -> int:
    """How many stored articles wait for the analysis (new, or edited since)."""
    query = select(func.count()).select_from(Article).where(Article.analysed_at.is_(None))
    return int(session.scalar(query) or 0)


def close_run(
    session: Session,
    run_id: int,
    status: str,
    counts: dict[str, int],
    timings: dict[str, float],
    problems: list[str],
) -> None:
    """Close a run row with its report's figures."""
    run = session.get_one(Run, run_id)
    run.finished_at, run.counts, run.timings = utcnow(), counts, timings
    run.errors = problems
    run.status = status


def close_failed_run(session: Session, run_id: int, error: str) -> None:
    """Close a run row as failed, naming the error."""
    run = session.get_one(Run, run_id)
    run.status, run.finished_at = "failed", utcnow()
    run.errors = [*run.errors, error[:1000]]
