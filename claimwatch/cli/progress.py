"""A Rich display of a running flow: a spinner on the current stage (with its counts as it goes),
a line per finished one."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.status import Status


class RichProgress:
    def __init__(self, console: Console) -> None:
        self.console = console
        self._status: Status | None = None

    def __enter__(self) -> RichProgress:
        self._status = self.console.status("Starting the nightly run…")
        self._status.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._status:
            self._status.stop()

    def start(self, stage: str) -> None:
        if self._status:
            self._status.update(f"{stage}…")

    def update(self, stage: str, message: str) -> None:
        if self._status:
            self._status.update(f"{stage}: {message}…")

    def finish(self, stage: str, summary: str, seconds: float) -> None:
        self.console.print(
            f"[green]✓[/green] {stage:<9} {summary} [dim]({seconds:.1f} s)[/dim]", highlight=False
        )
