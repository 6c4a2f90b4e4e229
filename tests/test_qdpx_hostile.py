"""Hostile or broken exchange files: refused with one clear message, exit 2, and nothing written."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from test_qdpx_helpers import snapshot
from themeflow import workspace
from themeflow.cli.app import app
from themeflow.qdpx import archive

G = "00000000-0000-4000-8000-{:012d}"
TEXT = "访谈者：最近怎么样？\n受访者：挺好的，常来中心聊天。\n"


def project(
    selection: tuple[int, int] = (15, 26),
    code_ref: str = G.format(10),
    code_attrs: str = 'isCodable="true"',
    doctype: str = "",
    root_ns: str = "urn:QDA-XML:project:1.0",
) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>{doctype}
<Project xmlns="{root_ns}" name="坏文件" origin="测试">
  <CodeBook><Codes><Code guid="{G.format(10)}" name="陪伴" {code_attrs}/></Codes></CodeBook>
  <Sources>
    <TextSource guid="{G.format(20)}" name="P1" plainTextPath="internal://{G.format(20)}.txt">
      <PlainTextSelection guid="{G.format(30)}" startPosition="{selection[0]}" endPosition="{selection[1]}">
        <Coding guid="{G.format(40)}"><CodeRef targetGUID="{code_ref}"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
"""


def write_qdpx(path: Path, xml: str, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("project.qde", xml.encode("utf-8"))
        bundle.writestr(f"Sources/{G.format(20)}.txt", TEXT.encode("utf-8"))
        for name, data in (extra or {}).items():
            bundle.writestr(name, data)
    return path


@pytest.fixture()
def ws_root(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    workspace.init(root)
    return root


def refused(ws_root: Path, file: Path, *fragments: str) -> str:
    before = snapshot(ws_root)
    result = CliRunner().invoke(app, ["import", "qdpx", str(file), "-w", str(ws_root)])
    assert result.exit_code == 2, result.output
    for fragment in fragments:
        assert fragment in result.output
    assert "Traceback" not in result.output
    assert snapshot(ws_root) == before  # nothing written, not even half-way
    return result.output


def test_the_well_formed_version_of_the_hostile_fixture_imports(ws_root, tmp_path):
    # guards the fixtures: each refusal below differs from this file in one way only
    file = write_qdpx(tmp_path / "ok.qdpx", project())
    result = CliRunner().invoke(app, ["import", "qdpx", str(file), "-w", str(ws_root)])
    assert result.exit_code == 0, result.output
    assert "1 accepted unit(s)" in result.output


def test_a_member_climbing_out_of_the_archive_is_refused(ws_root, tmp_path):
    file = write_qdpx(tmp_path / "slip.qdpx", project(), {"../../evil.txt": b"x"})
    refused(ws_root, file, "slip.qdpx", "'../../evil.txt'", "escapes the archive")


def test_a_member_with_an_absolute_path_is_refused(ws_root, tmp_path):
    file = write_qdpx(tmp_path / "abs.qdpx", project(), {"/etc/cron.d/evil": b"x"})
    refused(ws_root, file, "'/etc/cron.d/evil'", "escapes the archive")


def test_an_archive_with_absurdly_many_members_is_refused(ws_root, tmp_path):
    path = tmp_path / "many.qdpx"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("project.qde", project())
        for number in range(archive.MAX_MEMBERS):
            bundle.writestr(f"Sources/{number}.txt", b"")
    refused(ws_root, path, "10001 members", "zip bomb")


def test_a_member_that_expands_hundreds_fold_is_refused(ws_root, tmp_path):
    file = write_qdpx(tmp_path / "bomb.qdpx", project(), {"Sources/zeros.txt": b"\0" * (3 * 1024 * 1024)})
    refused(ws_root, file, "Sources/zeros.txt expands", "zip bomb")


def test_an_archive_expanding_beyond_the_size_limit_is_refused(ws_root, tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 1024)  # the real limit is 500 MB; the check is the same
    file = write_qdpx(tmp_path / "big.qdpx", project(), {"Sources/big.txt": "聊天".encode() * 600})
    refused(ws_root, file, "would expand to", "zip bomb")


def test_a_damaged_zip_is_refused(ws_root, tmp_path):
    good = write_qdpx(tmp_path / "good.qdpx", project()).read_bytes()
    damaged = tmp_path / "damaged.qdpx"
    damaged.write_bytes(good[: len(good) // 2])
    refused(ws_root, damaged, "damaged.qdpx", "not a readable .qdpx archive")


def test_a_corrupted_member_is_refused(ws_root, tmp_path):
    good = bytearray(write_qdpx(tmp_path / "good.qdpx", project()).read_bytes())
    offset = good.index(b"project.qde") + len("project.qde") + 20  # inside the compressed project.qde
    good[offset] ^= 0xFF
    bad = tmp_path / "crc.qdpx"
    bad.write_bytes(bytes(good))
    refused(ws_root, bad, "crc.qdpx", "member project.qde is damaged")


def test_xml_with_a_doctype_and_entity_expansion_is_refused(ws_root, tmp_path):
    laughs = (
        '<!DOCTYPE Project [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    xml = project(doctype=laughs).replace('name="坏文件"', 'name="&lol3;"')
    refused(ws_root, write_qdpx(tmp_path / "laughs.qdpx", xml), "DOCTYPE", "refusing it")


def test_xml_with_an_external_entity_is_refused(ws_root, tmp_path):
    xml = project(doctype='<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>').replace(
        'name="坏文件"', 'name="&x;"'
    )
    refused(ws_root, write_qdpx(tmp_path / "xxe.qdpx", xml), "DOCTYPE")


def test_xml_failing_the_schema_is_refused_with_line_numbers(ws_root, tmp_path):
    xml = project(code_attrs="")  # isCodable is required
    output = refused(
        ws_root,
        write_qdpx(tmp_path / "schema.qdpx", xml),
        "schema.qdpx:project.qde line 3: does not follow the REFI-QDA schema",
        "isCodable",
    )
    assert "{urn:QDA-XML" not in output


def test_not_well_formed_xml_is_refused_with_its_line(ws_root, tmp_path):
    xml = project().replace("</Sources>", "</Source>")
    refused(ws_root, write_qdpx(tmp_path / "broken.qdpx", xml), "not well-formed XML", "line 10")


def test_a_project_in_another_namespace_is_refused(ws_root, tmp_path):
    xml = project(root_ns="urn:example:not-refi")
    refused(ws_root, write_qdpx(tmp_path / "ns.qdpx", xml), "expected a REFI-QDA <Project>")


def test_an_archive_without_project_qde_is_refused(ws_root, tmp_path):
    path = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("Sources/a.txt", TEXT)
    refused(ws_root, path, "the archive has no member project.qde")


def test_a_selection_outside_its_source_text_is_refused(ws_root, tmp_path):
    file = write_qdpx(tmp_path / "outside.qdpx", project(selection=(15, len(TEXT) + 5)))
    refused(
        ws_root,
        file,
        f"selection 15–{len(TEXT) + 5} of source 'P1' lies outside its text ({len(TEXT)} characters)",
        "line 6",
    )


def test_a_selection_that_ends_before_it_starts_is_refused(ws_root, tmp_path):
    refused(ws_root, write_qdpx(tmp_path / "reversed.qdpx", project(selection=(20, 10))), "lies outside its text")


def test_a_coding_of_an_unknown_code_is_refused(ws_root, tmp_path):
    file = write_qdpx(tmp_path / "unknown.qdpx", project(code_ref=G.format(99)))
    refused(ws_root, file, f"refers to code {G.format(99)}, which is not in the codebook", "line 7")


def test_a_missing_file_is_a_clear_error(ws_root, tmp_path):
    result = CliRunner().invoke(app, ["import", "qdpx", str(tmp_path / "nope.qdpx"), "-w", str(ws_root)])
    assert result.exit_code == 2 and "file not found" in result.output


def test_a_hostile_codebook_is_refused_too(ws_root, tmp_path):
    path = tmp_path / "bad.qdc"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE CodeBook [<!ENTITY a "b">]>'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>',
        encoding="utf-8",
    )
    before = snapshot(ws_root)
    result = CliRunner().invoke(app, ["import", "qdc", str(path), "-w", str(ws_root)])
    assert result.exit_code == 2 and "DOCTYPE" in result.output
    assert snapshot(ws_root) == before


def test_two_codes_with_one_guid_are_refused(ws_root, tmp_path):
    twin = f'isCodable="true"/><Code guid="{G.format(10)}" name="孤单" isCodable="true"'
    refused(ws_root, write_qdpx(tmp_path / "twin.qdpx", project(code_attrs=twin)), "two codes share the guid")


def test_a_source_with_a_very_long_name_imports(ws_root, tmp_path):
    long_name = "受访者" * 40  # 120 characters, 360 bytes of UTF-8: more than a file name may hold
    file = write_qdpx(tmp_path / "long.qdpx", project().replace('name="P1"', f'name="{long_name}"'))
    result = CliRunner().invoke(app, ["import", "qdpx", str(file), "-w", str(ws_root)])
    assert result.exit_code == 0, result.output
    [transcript] = (ws_root / "data" / "transcripts").glob("*.txt")
    assert len(transcript.name.encode("utf-8")) <= 255
