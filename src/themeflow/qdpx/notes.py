"""What a unit carries besides its code, as REFI-QDA `Note`s on its selection.

A unit's `memo` is a plain note (what other programs show as an annotation or memo). The optional people's
columns `translation` and `quote` have no place of their own in REFI-QDA, so each travels as a separate note
whose text starts with a fixed heading on its own line (`【translation】`, `【quote】`); the importer reads
such notes back into their column and every other note into the memo.
"""

from __future__ import annotations

from themeflow.sheet import OPTIONAL_PEOPLE_COLUMNS

CARRIED_COLUMNS = list(OPTIONAL_PEOPLE_COLUMNS)  # translation, quote
HEADINGS = {column: f"【{column}】" for column in CARRIED_COLUMNS}


def column_note(column: str, value: str) -> str:
    """The text of the note that carries `value` of the people's column `column`."""
    return f"{HEADINGS[column]}\n{value.strip()}"


def split_notes(texts: list[str]) -> tuple[str, dict[str, str]]:
    """The memo (plain notes, one a line) and the carried columns, from a unit's note texts."""
    memos: list[str] = []
    columns: dict[str, list[str]] = {}
    for text in texts:
        text = (text or "").strip()
        if not text:
            continue
        column = next((c for c, heading in HEADINGS.items() if text.startswith(heading)), None)
        if column is None:
            memos.append(text)
        else:
            value = text[len(HEADINGS[column]) :].strip()
            if value:
                columns.setdefault(column, []).append(value)
    return "\n".join(memos), {c: "\n".join(v) for c, v in columns.items()}
