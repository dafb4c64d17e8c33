"""The native cfg's routing data: htable rows written as db_text files.

``tables()`` turns the same ``Snapshot`` the KEMI edge reads into the four
htables of ``native-cfg/kamailio.cfg`` (pure); ``write_dbtext()`` writes them
where its ``db_url`` points. Values are ``|``-separated, read back in the cfg
with ``{s.select,N,|}``.
"""

from __future__ import annotations

from pathlib import Path

from routing.model import Snapshot

HTABLE_VERSION = 2  # htable's table version in Kamailio 5.6
_HTABLE_HEADER = (
    "id(int,auto) key_name(string) key_type(int) value_type(int) key_value(string) expires(int) "
)
_VERSION_HEADER = "id(int,auto) table_name(string) table_version(int) "

Tables = dict[str, list[tuple[str, str]]]


def tables(snapshot: Snapshot) -> Tables:
    """acct, trunk, did and dial rows (key, value) for the native cfg."""
    return {
        "acct": [(a.username, f"{a.team}|{a.number}|{a.ha1}") for a in snapshot.accounts],
        "trunk": [(t.address, f"{t.team}|{t.name}") for t in snapshot.trunks],
        "did": [(d.number, f"{d.team}|{d.kind}|{d.target}") for d in snapshot.dids],
        "dial": [(f"{t.team}/{t.number}", f"{t.kind}|{t.target}") for t in snapshot.dial_targets],
    }


def _escape(value: str) -> str:
    """db_text separates columns with ':'; escape it (and '\\', newlines) in values."""
    return value.replace("\\", "\\\\").replace(":", "\\:").replace("\n", "\\n")


def dbtext_files(data: Tables) -> dict[str, str]:
    """File name -> content: one db_text file per htable, plus ``version``."""
    files = {
        name: _HTABLE_HEADER
        + "\n"
        + "".join(f"0:{_escape(key)}:0:0:{_escape(value)}:0\n" for key, value in rows)
        for name, rows in data.items()
    }
    files["version"] = (
        _VERSION_HEADER + "\n" + "".join(f"0:{name}:{HTABLE_VERSION}\n" for name in data)
    )
    return files


def write_dbtext(snapshot: Snapshot, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in dbtext_files(tables(snapshot)).items():
        (directory / name).write_text(content)
    return directory
