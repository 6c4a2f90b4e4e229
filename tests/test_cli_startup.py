"""`themeflow --help` and `themeflow status` must feel instant: no heavy library at import time."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "spacy", "jieba", "jieba_fast_dat", "openpyxl", "lxml", "sklearn", "krippendorff", "opencc", "re2")


def test_cli_imports_no_heavy_library() -> None:
    code = f"import sys, themeflow.cli.app; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"imported at start-up: {out}"


def test_status_of_an_empty_workspace_loads_no_nlp(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from themeflow.cli.app import app\n"
        f"r = CliRunner().invoke(app, ['status', '--workspace', {str(tmp_path)!r}])\n"
        "print(r.exit_code, ' '.join(m for m in ('spacy', 'jieba', 'jieba_fast_dat', 'pandas') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out.split(" ", 1)[0] == "0" and out.split(" ", 1)[1:] in ([], [""]), out
