"""Stage 04 orchestration: read inputs, compute every artefact in memory, write them (or compare them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from themeflow import fsio, lock
from themeflow.themes import inputs as inputs_mod
from themeflow.themes import report, tables
from themeflow.themes.analysis import Analysis, analyse
from themeflow.workspace import Workspace, holds_lock

STAGE = "themes"


@dataclass
class ThemesResult:
    output_dir: Path
    written: list[str] = field(default_factory=list)  # files whose bytes changed
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    participants: int = 0
    accepted_units: int = 0
    saturation: str = ""
    codes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "output_dir": str(self.output_dir),
            "written": self.written,
            "unchanged": self.unchanged,
            "warnings": self.warnings,
            "participants": self.participants,
            "accepted_units": self.accepted_units,
            "saturation": self.saturation,
            "codes": self.codes,
        }


def compute(ws: Workspace) -> tuple[Analysis, dict[str, bytes]]:
    """Every artefact of stage 04 as bytes, by file name, from the inputs as they are now."""
    analysis = analyse(inputs_mod.load(ws), ws.section("themes"))
    files = tables.csv_files(analysis)
    files.update(report.charts(analysis))
    files["summary.md"] = report.markdown(analysis).encode("utf-8")
    files["report.html"] = report.html(analysis).encode("utf-8")
    return analysis, dict(sorted(files.items()))


def _deps(ws: Workspace) -> dict[str, str]:
    return lock.hash_paths(inputs_mod.dependency_paths(ws), ws.root)


def stale_reasons(ws: Workspace) -> list[str]:
    """Why stage 04 must run again (empty when fresh)."""
    return lock.stale_reasons(lock.read(ws.themes_dir), _deps(ws), inputs_mod.params(ws), ws.root)


@holds_lock
def run(ws: Workspace) -> ThemesResult:
    """Compute and write analysis/04-themes/ (only files whose bytes changed are rewritten)."""
    analysis, files = compute(ws)
    out = ws.themes_dir
    result = ThemesResult(
        output_dir=out,
        warnings=list(analysis.inputs.warnings) + analysis.notices,
        participants=len(analysis.participant_ids),
        accepted_units=len(analysis.inputs.units),
        saturation=analysis.assessment.label,
        codes=[
            {
                "code": c.code.id,
                "theme": c.theme.id,
                "participants": c.fraction,
                "units": c.units,
                "orphaned_units": c.orphaned,
            }
            for c in analysis.codes
        ],
    )
    for name, data in files.items():
        (result.written if fsio.write_if_changed(out / name, data) else result.unchanged).append(name)
    outs = lock.hash_paths([out / name for name in files], ws.root)
    lock.write(out, lock.StageRecord(STAGE, params=inputs_mod.params(ws), deps=_deps(ws), outs=outs))
    return result


def notices(ws: Workspace) -> list[str]:
    """Warnings for the person running `themes --check` that are about the moment, not the data (the sheet
    is open in Excel / WPS right now). Cheap: reads nothing but the folder."""
    notice = inputs_mod.open_sheet_notice(ws)
    return [notice] if notice else []


def check(ws: Workspace) -> list[str]:
    """Which files in 04-themes differ from what the inputs give now, and how. Writes nothing."""
    _analysis, files = compute(ws)
    problems: list[str] = []
    for name, data in files.items():
        path = ws.themes_dir / name
        rel = lock.relative(path, ws.root)
        if not path.exists():
            problems.append(f"{rel}: missing")
        elif path.read_bytes() != data:
            problems.append(f"{rel}: content differs from what the inputs give now")
    return problems


def verify(ws: Workspace) -> None:
    """`check`, raised: CheckFailed (exit 1) listing every out-of-date file; returns quietly when current."""
    from themeflow.errors import CheckFailed, Problem

    differences = check(ws)
    if differences:
        raise CheckFailed(
            f"{len(differences)} file(s) in {lock.relative(ws.themes_dir, ws.root)} are out of date",
            problems=[Problem(d) for d in differences],
            hint="run `themeflow themes` and commit the regenerated files",
        )
