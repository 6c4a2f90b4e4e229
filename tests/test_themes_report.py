"""report.html is one self-contained file (offline, inline SVG) and renders in a real browser."""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from test_themes_fixtures import make_workspace
from themeflow import workspace
from themeflow.themes import compute, svg
from themeflow.themes.saturation import curve

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)


@pytest.fixture
def html(tmp_path: Path) -> str:
    return compute(workspace.load(make_workspace(tmp_path)))[1]["report.html"].decode("utf-8")


def test_report_loads_nothing_from_the_network(html: str) -> None:
    assert "<script" not in html and "<link" not in html and "@import" not in html
    urls = set(re.findall(r"https?://[^\s\"')<]+", html))
    assert urls == {"http://www.w3.org/2000/svg"}  # the SVG namespace name, never fetched


def test_report_names_system_cjk_fonts_and_holds_both_charts_inline(html: str) -> None:
    assert '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei"' in html
    assert html.count("<svg ") == 2
    assert "participant × code" in html and "cumulative unique codes" in html


def test_report_has_tables_quotes_codebook_and_the_saturation_caveat(html: str) -> None:
    for text in (
        "Table 3. Themes and sub-themes",
        "Table 2. Participant characteristics",
        "(P4, 男)",
        "Here I don&#x27;t have to hide.",
        "与同伴轻松地聊天、一起活动。",
        "reflexive thematic analysis does not use saturation",
        "<em>code saturation</em>",
    ):
        assert text in html


def test_report_escapes_text_from_the_sheet(tmp_path: Path) -> None:
    from test_themes_fixtures import unit

    root = make_workspace(tmp_path, [unit("u1", "P01", "T1.1", "和大家聊天", translation="<b>chat</b> & more")])
    html = compute(workspace.load(root))[1]["report.html"].decode()
    assert "&lt;b&gt;chat&lt;/b&gt; &amp; more" in html and "<b>chat</b>" not in html


def test_heatmap_shades_by_count_and_labels_cells() -> None:
    chart = svg.heatmap(["P1", "P2"], ["T1.1", "T1.2"], [[2, 0], [1, 0]])
    assert chart.startswith("<svg ") and chart.endswith("</svg>")
    assert chart.count("<rect ") == 4
    assert 'fill="#ffffff"' in chart  # zero cells stay white
    assert "P1 · T1.1: 2" in chart


def test_saturation_curve_marks_the_saturation_point() -> None:
    steps = curve([{"A", "B"}, {"C"}, set(), {"A"}])
    chart = svg.saturation_curve(steps, ["P1", "P2", "P3", "P4"], reached_at=3)
    assert "saturation (3)" in chart and chart.count("<circle ") == 4
    assert "saturation (" not in svg.saturation_curve(steps, ["P1", "P2", "P3", "P4"], reached_at=None)


def _png_pixels_vary(path: Path) -> bool:
    """True when a PNG is not one flat colour: its (filtered) scanlines differ; a blank page's are alike."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, stride = 8, b"", 0
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, _height, depth, colour = struct.unpack(">IIBB", body[:10])
            channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
            stride = 1 + (width * channels * depth + 7) // 8
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    raw = zlib.decompress(idat)
    rows = {raw[i + 1 : i + stride] for i in range(0, len(raw), stride)}
    return len(rows) > 10


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install chromium)")
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws")
    ws = workspace.load(root)
    from themeflow import themes

    themes.run(ws)
    shot = tmp_path / "report.png"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1200,2000",
        (ws.themes_dir / "report.html").as_uri(),
    ]
    subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert shot.exists(), "Chromium wrote no screenshot"
    assert shot.stat().st_size > 20_000  # a blank 1200×2000 page compresses to a few KB
    assert _png_pixels_vary(shot)


def test_png_check_tells_a_blank_page_from_a_rendered_one(tmp_path: Path) -> None:
    def png(width: int, height: int, pixel_rows: list[bytes]) -> bytes:
        def chunk(kind: bytes, body: bytes) -> bytes:
            return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

        header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
        raw = b"".join(b"\x00" + r for r in pixel_rows)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")

    blank = tmp_path / "blank.png"
    blank.write_bytes(png(40, 40, [b"\xff" * 160] * 40))
    assert not _png_pixels_vary(blank)
    busy = tmp_path / "busy.png"
    busy.write_bytes(png(40, 40, [bytes((x * y + y) % 256 for x in range(160)) for y in range(40)]))
    assert _png_pixels_vary(busy)


def test_chart_files_are_well_formed_svg_linked_from_summary(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    files = compute(workspace.load(make_workspace(tmp_path)))[1]
    for name in ("matrix.svg", "saturation.svg"):
        root = ET.fromstring(files[name])
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert f"]({name})" in files["summary.md"].decode()
