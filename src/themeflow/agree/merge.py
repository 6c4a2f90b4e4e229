"""`agree --adopt`: merge a consensus sheet into the current coder sheet. Pure: rows in, rows out.

The consensus sheet is drafted from blind per-coder copies, so it is not a replacement for the coder sheet:
it lacks what the copies blanked (the earlier memos, translations, quotes, people's own columns) and what
happened to the coder sheet since (orphaned rows, recodes, manual units). So adopting merges:

- a unit the consensus decided takes the consensus `decision`, `final_code` and `coder` (the coders of the
  consensus sheet when the meeting left `coder` blank);
- memos are never dropped: the current memo stays and the consensus memo is appended when it says something
  else (`原备注 | 王老师: … / 李老师: …`);
- other people's columns (translation, quote, any added column) keep their current value; a blank one takes
  the consensus value;
- rows of the coder sheet that the consensus does not decide, or does not have, stay exactly as they are;
- units only the consensus has (e.g. a manual unit a coder added in their copy) are appended.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from themeflow import sheet
from themeflow.agree import consensus
from themeflow.agree.sheets import unit_key

Row = dict[str, str]
TAKEN = ("decision", "final_code", "coder")
MEMO_SEPARATOR = " | "


@dataclass
class Merged:
    columns: list[str]  # header hint for `sheet.ordered_columns`
    rows: list[Row]
    decided: int = 0  # units whose decision came from the consensus
    memos: int = 0  # memos the consensus added to
    added: list[Row] = field(default_factory=list)  # units only the consensus had


def _decision(value: str | None) -> str:
    word = (value or "").strip()
    normal = sheet.normalise_decision(word)
    return word.lower() if normal is None else normal


def unresolved(header: list[str], rows: list[Row]) -> list[Row]:
    """Consensus rows still without a decision although coders decided them differently (different
    decisions, or accepted under different codes): the meeting has not settled them yet."""
    coders = consensus.coders_in_header(header)
    out: list[Row] = []
    for row in rows:
        if _decision(row.get("decision")):
            continue
        if not coders:
            if (row.get(consensus.AGREEMENT_COLUMN) or "").strip() == consensus.DIFFERENT:
                out.append(row)
            continue
        decided = [c for c in coders if _decision(row.get(f"decision_{c}"))]
        if len(decided) < 2:
            continue  # pending for everyone but one, or in only one coder's sheet: nothing to settle
        decisions = {_decision(row.get(f"decision_{c}")) for c in decided}
        codes = {(row.get(f"final_code_{c}") or "").strip() or (row.get("code") or "").strip() for c in decided}
        if len(decisions) > 1 or (decisions == {"accept"} and len(codes) > 1):
            out.append(row)
    return out


def merge_memo(current: str, incoming: str) -> str:
    """The current memo, with the consensus memo appended when it says something the current one does not."""
    mine, theirs = (current or "").strip(), (incoming or "").strip()
    if not theirs or theirs in mine:
        return current or ""
    if not mine or mine in theirs:
        return incoming
    return f"{mine}{MEMO_SEPARATOR}{theirs}"


def _manual_key(row: Row) -> str:
    return unit_key({**row, "unit_id": ""})


def merge(current_header: list[str], current: list[Row], consensus_header: list[str], rows: list[Row]) -> Merged:
    """The current coder sheet with the consensus merged in (see the module docstring)."""
    coders = consensus.coders_in_header(consensus_header)
    dropped = set(consensus.comparison_columns(coders)) | {consensus.AGREEMENT_COLUMN}
    tool = set(sheet.TOOL_COLUMNS)
    shared = [h for h in consensus_header if h and h not in dropped | tool | {*TAKEN, "memo"}]
    columns = [h for h in current_header if h] + [
        h for h in consensus_header if h and h not in dropped and h not in current_header
    ]

    by_key: dict[str, Row] = {}
    for row in rows:
        by_key.setdefault(unit_key(row), row)
    result = Merged(columns=columns, rows=[])
    matched: set[str] = set()
    for old in current:
        row = {k: v for k, v in old.items() if k != "_row"}
        key = unit_key(row)
        found = by_key.get(key)
        if found is None and (row.get("status") or "").strip() == "manual":
            # a manual unit a coder added has no unit_id in the consensus; the coder sheet may give it one
            key = _manual_key(row)
            found = by_key.get(key)
        if found is not None:
            matched.add(key)
            _apply(row, found, shared, coders, result)
        result.rows.append(row)

    for row in rows:
        key = unit_key(row)
        if key in matched:
            continue
        matched.add(key)
        new = {k: v for k, v in row.items() if k not in dropped and k != "_row"}
        if _decision(new.get("decision")) and not (new.get("coder") or "").strip():
            new["coder"] = ", ".join(coders)
        result.rows.append(new)
        result.added.append(row)
        if _decision(new.get("decision")):
            result.decided += 1
    return result


def _apply(row: Row, found: Row, shared: list[str], coders: list[str], result: Merged) -> None:
    if _decision(found.get("decision")):
        for column in TAKEN:
            row[column] = found.get(column) or ""
        if not row["coder"].strip():
            row["coder"] = ", ".join(coders)
        result.decided += 1
    memo = merge_memo(row.get("memo", ""), found.get("memo", ""))
    if memo != (row.get("memo") or ""):
        row["memo"] = memo
        result.memos += 1
    for column in shared:
        if not (row.get(column) or "").strip() and (found.get(column) or "").strip():
            row[column] = found[column]
