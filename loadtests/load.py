"""``make load``: start the stack on free loopback ports, run Locust headless, stop.

    python -m loadtests.load                    # LOAD_SHAPE / LOAD_USERS / LOAD_SECONDS apply
    python -m loadtests.load --csv /tmp/run     # also keep Locust's CSV statistics

The run is bounded by the load shape (at most 50 users and 600 s) and by a
hard timeout; the exit code is Locust's, which the thresholds set.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from types import FrameType

from loadtests import stages
from tests.support.stack import start_stack

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "loadtests" / "locustfile.py"


def locust_argv(web_url: str, csv: Path | None) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        web_url,
        "--only-summary",
        "--stop-timeout",
        "10",
    ]
    if csv is not None:
        argv += ["--csv", str(csv)]
    return argv


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loadtests.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--csv", type=Path, default=None, help="Locust CSV prefix")
    args = parser.parse_args(argv)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    seconds = min(float(os.environ.get("LOAD_SECONDS", "30")), stages.MAX_SECONDS)
    work = Path(tempfile.mkdtemp(prefix="switchboard-load-"))
    stack = None
    try:
        stack = start_stack(work)
        env = {
            **os.environ,
            "SWITCHBOARD_SIP_ADDRESS": f"{stack.proxy[0]}:{stack.proxy[1]}",
            "PYTHONPATH": str(ROOT),
        }
        print(f"stack up: SIP {stack.proxy[0]}:{stack.proxy[1]}, web {stack.web_url}", flush=True)
        result = subprocess.run(
            locust_argv(stack.web_url, args.csv),
            cwd=ROOT,
            env=env,
            timeout=seconds + 90,
            check=False,
        )
        return result.returncode
    except subprocess.TimeoutExpired:
        print("locust did not stop in time", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; stopping", file=sys.stderr)
        return 1
    finally:
        if stack is not None:
            stack.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
