"""``python -m launcher run|init-db|check-config`` — what `make run` calls."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from types import FrameType

from launcher.services import kamailio_argv, stack
from launcher.settings import Settings
from launcher.supervisor import StartupError, Supervisor
from launcher.tls import certificate_path


def init_db(settings: Settings) -> bool:
    """Create the schema and the demo data (once); True when the seed was added."""
    from store import encryption
    from store.db import create_schema, make_engine, make_sessionmaker
    from store.seed import seed_demo

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    # Made here at the first start, before any migration or service needs it.
    encryption.use_key_file(encryption.ensure_key_file(settings.key_file))
    engine = make_engine(settings.database_url)
    create_schema(engine)
    with make_sessionmaker(engine)() as session, session.begin():
        added = seed_demo(session, settings.sip_realm)
    engine.dispose()
    return added


def check_config(settings: Settings) -> int:
    return subprocess.run(kamailio_argv(settings, check_only=True), check=False).returncode


def banner(settings: Settings) -> str:
    return f"""
Switchboard is running (logs in {settings.log_dir}/).
  SIP:       register a softphone to sip:{settings.sip_host}:{settings.sip_port} (UDP or TCP)
             or over TLS to port {settings.sip_tls_port} (self-signed: {certificate_path(settings)})
             user demo-5001, password demo5001 (demo only; extensions 5000-5009)
  Dashboard: http://{settings.web_host}:{settings.web_port}/
Press Ctrl-C to stop everything.
"""


def run(settings: Settings) -> int:
    if init_db(settings):
        print(f"Created the demo data in {settings.database_url}")
    for directory in (settings.log_dir, settings.run_dir):
        directory.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(settings.log_dir)

    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:  # a second Ctrl-C must not interrupt the clean shutdown
            stopping = True
            raise KeyboardInterrupt

    # Explicitly, since a shell may start us with SIGINT ignored (background jobs).
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
    try:
        supervisor.start_all(stack(settings))
        print(banner(settings), flush=True)
        exited = supervisor.wait()
        print(f"{exited.spec.name} exited ({exited.process.returncode}); stopping the rest.")
        print(f"See {exited.log_path}", file=sys.stderr)
        return 1
    except StartupError as exc:
        print(f"Startup failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    finally:
        supervisor.stop_all()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m launcher")
    parser.add_argument("command", choices=["run", "init-db", "check-config"])
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.command == "init-db":
        init_db(settings)
        return 0
    if args.command == "check-config":
        return check_config(settings)
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
