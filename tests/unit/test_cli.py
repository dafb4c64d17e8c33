"""The `switchboard` command on a real SQLite store (through the installed entry point)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SWITCHBOARD = Path(sys.executable).parent / "switchboard"


def run(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SWITCHBOARD_VAR_DIR": str(tmp_path)}
    env.pop("SWITCHBOARD_DB_URL", None)
    return subprocess.run(
        [str(SWITCHBOARD), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_upgrade_seed_admin_import_and_export(tmp_path: Path) -> None:
    assert run(tmp_path, "db", "upgrade").returncode == 0
    assert "added" in run(tmp_path, "db", "seed-demo").stdout
    assert "already present" in run(tmp_path, "db", "seed-demo").stdout
    created = run(tmp_path, "create-system-admin", "root@system", "--password", "a-long-password")
    assert created.returncode == 0, created.stderr
    again = run(tmp_path, "create-system-admin", "root@system", "--password", "a-long-password")
    assert again.returncode == 1 and "already exists" in again.stderr

    good = tmp_path / "good.csv"
    good.write_text("number,sip_secret\n7001,secret-7001\n")
    assert (
        run(tmp_path, "import", "extensions", "demo", str(good)).stdout.strip()
        == "imported 1 extensions"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("number,sip_secret\n7002,secret-7002\n7001,secret-7001\n")
    refused = run(tmp_path, "import", "extensions", "demo", str(bad))
    assert refused.returncode == 1 and "line 3: number" in refused.stderr
    exported = run(tmp_path, "export", "extensions", "demo").stdout
    assert "7001" in exported and "7002" not in exported  # the bad file left nothing


def test_unknown_team_is_a_clear_error(tmp_path: Path) -> None:
    run(tmp_path, "db", "upgrade")
    result = run(tmp_path, "export", "agents", "nosuch")
    assert result.returncode == 1 and "team nosuch not found" in result.stderr
