from pathlib import Path

from loadtests.report import update_section


def test_sections_are_replaced_in_place_and_others_kept(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    update_section("proxy", "proxy v1", path)
    update_section("acd", "acd v1", path)
    update_section("proxy", "proxy v2", path)
    text = path.read_text()
    assert "proxy v2" in text and "proxy v1" not in text and "acd v1" in text
    assert text.index("proxy v2") < text.index("acd v1")
