"""Janus's generated configuration (launcher/janus.py): HTTP API on loopback, the
AudioBridge alone, nothing looked up on the network."""

from __future__ import annotations

from pathlib import Path

from launcher.janus import janus_configs, render_jcfg, write_janus_config
from launcher.services import janus_spec
from launcher.settings import Settings


def test_render_jcfg() -> None:
    text = render_jcfg({"general": {"a": True, "b": 0, "c": 'x "y" \\z'}, "empty": {}})
    assert text == 'general: {\n\ta = true\n\tb = 0\n\tc = "x \\"y\\" \\\\z"\n}\nempty: {\n}\n'


def test_janus_configs_http_on_loopback_audiobridge_only(tmp_path: Path) -> None:
    s = Settings(
        var_dir=tmp_path, janus_http_port=18088, janus_rtp_port_min=41000, janus_rtp_port_max=41999
    )
    files = janus_configs(s)
    assert set(files) == {
        "janus.jcfg",
        "janus.transport.http.jcfg",
        "janus.plugin.audiobridge.jcfg",
    }
    core = files["janus.jcfg"]
    assert f'plugins_folder = "{tmp_path}/janus/plugins"' in core
    assert "session_timeout = 0" in core and "ice_lite = true" in core
    assert "stun_server" not in core
    http = files["janus.transport.http.jcfg"]
    assert 'ip = "127.0.0.1"' in http and "port = 18088" in http
    assert "admin_http = false" in http and "https = false" in http
    assert 'rtp_port_range = "41000-41999"' in files["janus.plugin.audiobridge.jcfg"]


def test_write_janus_config_links_only_the_two_libraries(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    for folder, names in {
        "plugins": ("libjanus_audiobridge.so", "libjanus_sip.so", "libjanus_videoroom.so"),
        "transports": ("libjanus_http.so", "libjanus_websockets.so"),
        "events": ("libjanus_sampleevh.so",),
        "loggers": ("libjanus_jsonlog.so",),
    }.items():
        (lib / folder).mkdir(parents=True)
        for name in names:
            (lib / folder / name).write_text("")
    s = Settings(var_dir=tmp_path / "var")
    (s.var_dir / "janus" / "plugins").mkdir(parents=True)
    (s.var_dir / "janus" / "plugins" / "libjanus_sip.so").write_text("")  # left from before
    config = write_janus_config(s, lib)
    assert config == s.var_dir / "janus" / "conf" / "janus.jcfg" and config.exists()
    base = s.var_dir / "janus"
    assert [p.name for p in (base / "plugins").iterdir()] == ["libjanus_audiobridge.so"]
    assert (base / "plugins" / "libjanus_audiobridge.so").resolve() == (
        lib / "plugins" / "libjanus_audiobridge.so"
    )
    assert [p.name for p in (base / "transports").iterdir()] == ["libjanus_http.so"]
    assert list((base / "events").iterdir()) == list((base / "loggers").iterdir()) == []
    write_janus_config(s, lib)  # again, over its own output
    assert [p.name for p in (base / "plugins").iterdir()] == ["libjanus_audiobridge.so"]


def test_janus_spec_starts_janus_on_the_generated_config(tmp_path: Path) -> None:
    spec = janus_spec(Settings(var_dir=tmp_path))
    config = tmp_path / "janus" / "conf" / "janus.jcfg"
    assert spec.name == "janus"
    assert spec.argv == ["janus", "--config", str(config), "--configs-folder", str(config.parent)]
