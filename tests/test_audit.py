"""`themeflow audit`: residual personal information in analysis/ and exports, masked, with exit codes."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import Workbook
from typer.testing import CliRunner

from themeflow import workspace
from themeflow.cli.app import app
from themeflow.deid.audit import scan

runner = CliRunner()

TRANSCRIPT = """访谈者：您好，最近在中心过得怎么样？
受访者：挺好的。我跟王丽娟一组，她手机是13812345678，有事我就打给她。
受访者：我们组的刘阿姨很照顾大家。
"""


def ingested(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    workspace.init(root)
    (root / "data" / "transcripts" / "P1_访谈.txt").write_text(TRANSCRIPT, encoding="utf-8")
    result = runner.invoke(app, ["ingest", "--workspace", str(root), "--quiet"])
    assert result.exit_code == 0, result.output
    return root


def test_a_de_identified_workspace_audits_clean(tmp_path: Path) -> None:
    root = ingested(tmp_path)
    result = runner.invoke(app, ["audit", "--workspace", str(root)])
    assert result.exit_code == 0, result.output
    assert "no personal information found" in result.output


def test_residual_phone_and_key_names_are_found_and_masked(tmp_path: Path) -> None:
    root = ingested(tmp_path)
    notes = root / "analysis" / "04-themes" / "summary.md"
    notes.parent.mkdir(parents=True)
    notes.write_text("# 小结\n\n[人名1]说：联系13812345678。\n王丽娟也同意。\n", encoding="utf-8")
    result = runner.invoke(app, ["audit", "--workspace", str(root)], terminal_width=200)
    assert result.exit_code == 1
    assert "138****5678" in result.output and "13812345678" not in result.output
    assert "王*" in result.output and "王丽娟" not in result.output
    findings = scan(workspace.load(root))
    assert [(f.file, f.line, f.kind) for f in findings] == [
        ("analysis/04-themes/summary.md", "3", "phone"),
        ("analysis/04-themes/summary.md", "4", "person"),
    ]


def test_pseudonym_tokens_are_not_findings(tmp_path: Path) -> None:
    root = ingested(tmp_path)
    extra = tmp_path / "quotes.csv"
    extra.write_text("quote\n[人名1]和[人名2]阿姨，[电话1]，[P3]，[阿明]\n", encoding="utf-8")
    assert scan(workspace.load(root), [extra]) == []


def test_xlsx_cells_and_package_members_are_scanned(tmp_path: Path) -> None:
    root = ingested(tmp_path)
    book = Workbook()
    book.active.title = "units"
    book.active["F3"] = "她的微信号是 wanglijuan_88，你加她。"
    book.save(root / "analysis" / "units-copy.xlsx")
    package = tmp_path / "study.qdpx"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("project.qde", "<Project>\n<Source name='邮箱 zhou@example.com'/>\n</Project>\n")
        archive.writestr("sources/a.txt", "没有个人信息。\n")
    findings = scan(workspace.load(root), [package])
    assert [(f.file.endswith("units-copy.xlsx"), f.line, f.kind) for f in findings if f.kind == "wechat"] == [
        (True, "units!F3", "wechat")
    ]
    assert [(f.line, f.kind, f.masked) for f in findings if f.kind == "email"] == [
        ("project.qde:2", "email", "z***@example.com")
    ]


def test_audit_of_a_missing_export_is_a_usage_error(tmp_path: Path) -> None:
    root = ingested(tmp_path)
    result = runner.invoke(app, ["audit", "--workspace", str(root), str(tmp_path / "nope.qdpx")])
    assert result.exit_code == 2
    assert "nope.qdpx does not exist" in result.output


def test_audit_json_lists_the_same_findings_as_the_library(tmp_path: Path) -> None:
    import json

    root = ingested(tmp_path)
    (root / "analysis" / "note.txt").write_text("身份证110101199003074514\n", encoding="utf-8")
    result = runner.invoke(app, ["audit", "--workspace", str(root), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output) == [f.to_dict() for f in scan(workspace.load(root))]


def test_a_named_hospital_left_in_a_report_quote_is_a_finding_and_generic_ones_are_not(tmp_path: Path) -> None:
    root = ingested(tmp_path)
    quotes = root / "analysis" / "04-themes" / "quotes.csv"
    quotes.parent.mkdir(parents=True)
    quotes.write_text(
        "quote\n我在瑞金医院内分泌科认识的护士。\n社区医院和区里的医院都去过，也去过阳光心园。\n", encoding="utf-8"
    )
    findings = scan(workspace.load(root))
    assert [(f.file, f.line, f.kind, f.masked) for f in findings] == [
        ("analysis/04-themes/quotes.csv", "2", "institution", "瑞***")
    ]


def test_the_coders_own_names_are_not_findings(tmp_path: Path) -> None:
    # 刘 is in the key (刘阿姨), and the two coders are 刘老师 and 王老师.
    root = ingested(tmp_path)
    sheets = root / "analysis" / "03-agree" / "sheets"
    sheets.mkdir(parents=True)
    for coder in ("刘老师", "王老师"):
        book = Workbook()
        book.active.append(["unit_id", "coder", "memo"])
        book.active.append(["u0123456789", coder, f"{coder}：同意"])
        book.save(sheets / f"units-{coder}.xlsx")
    result = runner.invoke(app, ["audit", "--workspace", str(root)])
    assert result.exit_code == 0, result.output
    # A name of the key in the same cell is still found.
    book = Workbook()
    book.active.append(["memo"])
    book.active.append(["刘老师说刘阿姨来了"])
    book.save(sheets / "units-刘老师.xlsx")
    assert runner.invoke(app, ["audit", "--workspace", str(root)]).exit_code == 1
