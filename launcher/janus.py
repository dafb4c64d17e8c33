"""Janus's configuration, generated into ``var_dir/janus``: the AudioBridge conference pool.

Only what the stack uses is loaded: the plain-HTTP Janus API on 127.0.0.1 (no admin API,
WebSockets or other transports), the AudioBridge plugin, no event handlers or loggers.
Janus loads every ``.so`` of its plugin/transport folders, so those folders are ours and
hold symlinks to just the two libraries (a ``disable`` list would have to name every other
library a package version ships). No STUN server and ICE-lite: Janus starts offline, in
~60 ms. Sessions never time out (``session_timeout = 0``): the owner of a session destroys
it (a conference can last hours with no request in between).

``render_jcfg`` and ``janus_configs`` are pure; ``write_janus_config`` writes the files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from launcher.settings import Settings

# Where Debian (and a source build's default prefix) put Janus's libraries.
LIB_DIR_CANDIDATES = (
    Path("/usr/lib/x86_64-linux-gnu/janus"),
    Path("/usr/lib/aarch64-linux-gnu/janus"),
    Path("/usr/lib/janus"),
    Path("/usr/local/lib/janus"),
    Path("/opt/janus/lib/janus"),
)
PLUGINS = ("libjanus_audiobridge.so",)
TRANSPORTS = ("libjanus_http.so",)

JcfgValue = str | int | bool
Jcfg = Mapping[str, Mapping[str, JcfgValue]]


def janus_lib_dir() -> Path:
    """The first candidate holding the AudioBridge plugin (else Debian's, for the error)."""
    for candidate in LIB_DIR_CANDIDATES:
        if (candidate / "plugins" / PLUGINS[0]).exists():
            return candidate
    return LIB_DIR_CANDIDATES[0]


def _value(value: JcfgValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_jcfg(sections: Jcfg) -> str:
    """A Janus ``.jcfg`` (libconfig syntax) of ``section: { key = value }`` blocks."""
    blocks = []
    for name, items in sections.items():
        lines = "".join(f"\t{key} = {_value(value)}\n" for key, value in items.items())
        blocks.append(f"{name}: {{\n{lines}}}\n")
    return "".join(blocks)


def janus_dir(s: Settings) -> Path:
    return s.var_dir / "janus"


def janus_configs(s: Settings) -> dict[str, str]:
    """File name -> contents of every configuration file Janus reads."""
    base = janus_dir(s)
    core: dict[str, dict[str, JcfgValue]] = {
        "general": {
            "configs_folder": str(base / "conf"),
            "plugins_folder": str(base / "plugins"),
            "transports_folder": str(base / "transports"),
            "events_folder": str(base / "events"),  # empty: no event handlers
            "loggers_folder": str(base / "loggers"),  # empty: no external loggers
            "log_to_stdout": True,
            "debug_level": 4,
            "debug_timestamps": True,
            "debug_colors": False,
            "interface": "127.0.0.1",  # else Janus looks up its "public" address
            "server_name": "switchboard",
            "session_timeout": 0,
            "exit_on_dl_error": True,  # a library that does not load stops Janus, loudly
        },
        # No STUN server, ICE-lite, no mDNS: nothing is looked up on the network.
        "nat": {"ice_lite": True, "ignore_mdns": True, "nice_debug": False},
        "media": {},
        "plugins": {},
        "transports": {},
        "loggers": {},
        "events": {"broadcast": False},
    }
    http: dict[str, dict[str, JcfgValue]] = {
        "general": {
            "json": "plain",
            "base_path": "/janus",
            "http": True,
            "ip": "127.0.0.1",
            "port": s.janus_http_port,
            "https": False,
        },
        "admin": {"admin_http": False, "admin_https": False},
    }
    audiobridge: dict[str, dict[str, JcfgValue]] = {
        "general": {
            "local_ip": "127.0.0.1",  # where plain-RTP participants' sockets bind
            "rtp_port_range": f"{s.janus_rtp_port_min}-{s.janus_rtp_port_max}",
            "events": False,
            "string_ids": False,  # rooms and participants have integer ids
        },
    }
    return {
        "janus.jcfg": render_jcfg(core),
        "janus.transport.http.jcfg": render_jcfg(http),
        "janus.plugin.audiobridge.jcfg": render_jcfg(audiobridge),
    }


def _link_only(folder: Path, source: Path, names: tuple[str, ...]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for entry in folder.iterdir():
        if entry.name not in names:
            entry.unlink()
    for name in names:
        link = folder / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(source / name)


def write_janus_config(s: Settings, lib_dir: Path | None = None) -> Path:
    """Write the configuration and the library folders; returns the ``janus.jcfg`` path."""
    base, lib = janus_dir(s), lib_dir or janus_lib_dir()
    conf = base / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    for name, text in janus_configs(s).items():
        (conf / name).write_text(text)
    _link_only(base / "plugins", lib / "plugins", PLUGINS)
    _link_only(base / "transports", lib / "transports", TRANSPORTS)
    _link_only(base / "events", lib / "events", ())
    _link_only(base / "loggers", lib / "loggers", ())
    return conf / "janus.jcfg"
