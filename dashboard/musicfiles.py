"""Where a team's converted music lives, and putting a new one in place all or nothing.

A team's music ``<name>`` is ``<music dir>/teams/<team>/<name>.wav``: one path for good,
so a replaced file is what the next play (a new caller, music after an announcement)
reads, while a player that has the old one open keeps playing it. ``Placement`` stages
the new file next to its final place (one filesystem: renames are atomic), swaps it in
inside the row's transaction, and puts the old file back if that transaction fails.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

log = logging.getLogger("switchboard.api")


def relative_path(team: str, name: str) -> str:
    """The file of music ``name`` of ``team``, relative to the music directory."""
    return f"teams/{team}/{name}.wav"


def resolve(root: Path, relative: str) -> Path | None:
    """``relative`` under ``root``, or None if it would leave it."""
    base = root.resolve()
    path = (base / relative).resolve()
    return path if base in path.parents else None


class Placement:
    """``with Placement(root, rel) as placing``: convert into ``placing.new``; call
    ``swap()`` inside the transaction that records it. Leaving the block by an exception
    restores the previous file (if swapped) and removes the staged one."""

    def __init__(self, root: Path, relative: str) -> None:
        final = resolve(root, relative)
        if final is None:
            raise ValueError(f"{relative} is outside {root}")
        self.final = final
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=".upload-", dir=self.final.parent))
        self.upload = self.staging / "upload"
        self.new = self.staging / "converted.wav"
        self._backup = self.staging / "previous.wav"
        self._swapped = False

    def __enter__(self) -> Self:
        return self

    def swap(self) -> None:
        """The new file takes the final path (the old one is kept until the end)."""
        if self.final.exists():
            self.final.replace(self._backup)
        self.new.replace(self.final)
        self._swapped = True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        if kind is not None and self._swapped:
            try:
                if self._backup.exists():
                    self._backup.replace(self.final)
                else:
                    self.final.unlink(missing_ok=True)
            except OSError:
                log.exception("restoring %s failed", self.final)
        shutil.rmtree(self.staging, ignore_errors=True)


def remove(root: Path, relative: str) -> None:
    """Remove a deleted music's file (its row is gone: nothing plays it any more)."""
    path = resolve(root, relative)
    if path is None:
        return
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:  # a file left behind is harmless; say so
        log.warning("removing %s failed: %s", path, exc)
