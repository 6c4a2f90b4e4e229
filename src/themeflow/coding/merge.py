"""Merge a run's candidates into the coder sheet without ever losing what people did.

Pure: takes the previous sheet's rows, this run's candidate rows and the transcripts, returns the new rows.
- People's columns (`decision`, `final_code`, `coder`, `memo`, `translation`, `quote`, any added column) are
  copied verbatim from the previous sheet; the tool never changes them.
- A unit the codebook still proposes is `kept` (offsets refreshed: its text may have moved).
- A unit the codebook no longer proposes is `stale`, re-anchored by its text, decision kept.
- A unit whose text is gone from its transcript is `orphaned`: kept as it was, never dropped.
- A row a person added with an empty `unit_id` is a manual unit: located by its text (it must occur exactly
  once in its transcript), given an id and offsets, status `manual`.
- New candidates are appended as `new`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter

from themeflow.coding.ids import manual_unit_id
from themeflow.errors import Problem
from themeflow.ingest.participants import sort_key
from themeflow.sheet import Row

TOOL_REFRESHED = ("transcript_id", "participant_id", "start", "end", "text", "code", "theme", "evidence", "score")
_CANDIDATE_COLUMNS = {"unit_id", *TOOL_REFRESHED}


@dataclass
class MergeResult:
    rows: list[Row]
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _occurrences(text: str, needle: str) -> list[int]:
    out, position = [], text.find(needle)
    while needle and position != -1:
        out.append(position)
        position = text.find(needle, position + 1)
    return out


def _speech_problem(sentences: list[tuple[int, int, str, str]] | None, start: int, length: int) -> str:
    """Why a manual unit at [start, start + length) cannot be coded ('' when it can)."""
    if sentences is None:
        return ""
    end = start + length
    touched = [s for s in sentences if s[0] < end and start < s[1]]
    if not touched:
        return "is not in anyone's answer (a speaker label, a title or a note?)"
    if start < min(s[0] for s in touched):
        return "begins with text that is not speech (a speaker label?): start the text where the answer starts"
    if any(role != "participant" for *_, role in touched):
        return "is interviewer speech: only participant speech is coded"
    if len({turn for _, _, turn, _ in touched}) > 1:
        return "spans more than one answer: split it into one unit per answer"
    return ""


def reanchor(transcript: str | None, text: str, old_start: int | None) -> tuple[int, int] | None:
    """Where `text` sits now: its old place if still there, else the occurrence nearest to it."""
    if transcript is None or not text:
        return None
    if old_start is not None and transcript[old_start : old_start + len(text)] == text:
        return old_start, old_start + len(text)
    places = _occurrences(transcript, text)
    if not places:
        return None
    best = min(places, key=lambda p: (abs(p - (old_start or 0)), p))
    return best, best + len(text)


SIMILAR = 0.8  # how alike an edited unit's old and new text must be to be the same unit


def _edited_twin(row: Row, candidates: list[Row], used: set[str], by_id: dict[str, Row]) -> Row | None:
    """The candidate that is this unit after its transcript was edited: same transcript and code, not taken
    by another row, text alike (difflib ratio ≥ SIMILAR); the most alike, when one stands out."""
    from difflib import SequenceMatcher

    text = row.get("text", "")
    if not text.strip():
        return None
    scored = []
    for candidate in candidates:
        if (
            candidate["transcript_id"] != row.get("transcript_id", "")
            or candidate["code"] != row.get("code", "")
            or candidate["unit_id"] in used
        ):
            continue
        matcher = SequenceMatcher(None, text, candidate["text"], autojunk=False)
        if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
            continue
        scored.append((matcher.ratio(), candidate["unit_id"]))
    scored = sorted((s for s in scored if s[0] >= SIMILAR), reverse=True)
    if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return by_id[scored[0][1]]


def _int(value: str) -> int | None:
    if value.__class__ is str and value.isdigit() and value.isascii():
        return int(value)
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def merge(
    previous: list[Row],
    candidates: list[Row],
    transcripts: dict[str, str],
    participants_by_transcript: dict[str, str],
    sheet_name: str,
    speech: Mapping[str, list[tuple[int, int, str, str]]] | None = None,
    rewordings: Callable[[str], list[str]] | None = None,
) -> MergeResult:
    """`speech`: per transcript, its sentences as (start, end, turn, role); with it, a manual unit must lie
    in one participant answer. `rewordings(text)`: other forms a unit's text may now have in its transcript
    (after de-identification settings changed: a name now kept, or a name now replaced); a unit found in one
    of them is re-anchored there, with the transcript's text, instead of being orphaned."""
    by_id = {c["unit_id"]: c for c in candidates}
    rows: list[Row] = []
    problems: list[Problem] = []
    used_ids: set[str] = set()
    in_sheet = {r.get("unit_id", "").strip() for r in previous}  # candidates already a row of their own
    counts = {"new": 0, "kept": 0, "stale": 0, "orphaned": 0, "manual": 0}

    for old in previous:
        unit = old.get("unit_id", "").strip()
        if not unit:
            continue  # manual units are handled below, after every existing id is known
        row = dict(old)
        row.pop("_row", None)
        used_ids.add(unit)
        candidate = by_id.get(unit)
        if candidate is not None:
            row.update(_refreshed(candidate))
            row["status"] = "kept"
        else:
            transcript = transcripts.get(row.get("transcript_id", ""))
            place = reanchor(transcript, row.get("text", ""), _int(row.get("start", "")))
            for alternative in rewordings(row.get("text", "")) if (place is None and rewordings) else []:
                place = reanchor(transcript, alternative, _int(row.get("start", "")))
                if place is not None:
                    row["text"] = alternative
                    break
            edited = _edited_twin(row, candidates, used_ids | in_sheet, by_id) if place is None else None
            if edited is not None:
                # Its words were corrected in the transcript (a typo, a word added): the codebook proposes the
                # corrected passage under a new id. It is this unit: same id, people's work kept, text refreshed.
                used_ids.add(edited["unit_id"])
                for column in TOOL_REFRESHED:
                    row[column] = edited[column]
                row["status"] = "kept"
            elif place is None:
                row["status"] = "orphaned"
            else:
                row["start"], row["end"] = str(place[0]), str(place[1])
                row["status"] = "manual" if unit.startswith("m") else "stale"
                spot = (row.get("transcript_id", ""), row.get("code", ""), row["start"], row["end"])
                same = next(
                    (c for c in candidates if (c["transcript_id"], c["code"], c["start"], c["end"]) == spot), None
                )
                if same is not None and not unit.startswith("m"):
                    # The codebook proposes this very span under a new id (its text changed): it is this unit.
                    used_ids.add(same["unit_id"])
                    for column in TOOL_REFRESHED:
                        row[column] = same[column]
                    row["status"] = "kept"
        counts[row["status"]] += 1
        rows.append(row)

    manual = [old for old in previous if not old.get("unit_id", "").strip()]
    # Where units already are (this run's candidates and the rows kept above): a unit added by hand that
    # repeats one of them would count twice.
    spots: dict[tuple[str, int, int], list[tuple[str, str]]] = {}
    for unit_row in [*rows, *candidates] if manual else []:
        start, end = _int(unit_row.get("start", "")), _int(unit_row.get("end", ""))
        if start is not None and end is not None:
            code = (unit_row.get("final_code") or unit_row.get("code") or "").strip()
            spots.setdefault((unit_row.get("transcript_id", ""), start, end), []).append((unit_row["unit_id"], code))
    for old in manual:
        row = dict(old)
        row.pop("_row", None)
        number = int(old["_row"])
        transcript_id = row.get("transcript_id", "").strip()
        text = row.get("text", "")
        if not transcript_id or not text.strip():
            continue  # reported by the sheet's validation (a manual unit needs both)
        transcript = transcripts.get(transcript_id)
        if transcript is None:
            problems.append(
                Problem(f'transcript_id "{transcript_id}" is not an ingested transcript', sheet_name, number)
            )
            continue
        places = _occurrences(transcript, text)
        if not places:
            stripped = text.strip()
            places = _occurrences(transcript, stripped)
            text = stripped
        if not places:
            problems.append(
                Problem(
                    f"text of this manual unit is not in transcript {transcript_id} (copy it exactly)",
                    sheet_name,
                    number,
                )
            )
            continue
        if len(places) > 1:
            problems.append(
                Problem(
                    f"text of this manual unit occurs {len(places)} times in transcript {transcript_id}; "
                    "extend it so it occurs once",
                    sheet_name,
                    number,
                )
            )
            continue
        where = _speech_problem(speech.get(transcript_id, []) if speech is not None else None, places[0], len(text))
        if where:
            problems.append(Problem(f"this manual unit {where}", sheet_name, number))
            continue
        code = (row.get("final_code") or row.get("code") or "").strip()
        twin = next((c for c in spots.get((transcript_id, places[0], places[0] + len(text)), []) if c[1] == code), None)
        if twin is not None:
            problems.append(
                Problem(
                    f"this manual unit is already in the sheet as unit {twin[0]} (same text and code): decide that "
                    "row and delete this one",
                    sheet_name,
                    number,
                )
            )
            continue
        occurrence = 0
        new_id = manual_unit_id(transcript_id, text, occurrence)
        while new_id in used_ids:
            occurrence += 1
            new_id = manual_unit_id(transcript_id, text, occurrence)
        used_ids.add(new_id)
        row.update(
            unit_id=new_id,
            transcript_id=transcript_id,
            text=text,
            start=str(places[0]),
            end=str(places[0] + len(text)),
            status="manual",
            participant_id=row.get("participant_id") or participants_by_transcript.get(transcript_id, ""),
        )
        counts["manual"] += 1
        rows.append(row)

    for candidate in candidates:
        if candidate["unit_id"] in used_ids:
            continue
        row = dict(candidate)
        row.update(status="new", decision="", final_code="", coder="", memo="")
        counts["new"] += 1
        rows.append(row)

    return MergeResult(_in_sheet_order(rows), problems, counts)


def _in_sheet_order(rows: list[Row]) -> list[Row]:
    """Rows by transcript (P2 before P10), then start, end, code and unit id. (Every re-run sorts every row:
    the fields are fetched in C, and each transcript's place is worked out once.)"""
    fields = ("transcript_id", "start", "end", "code", "unit_id")
    try:
        values = list(map(itemgetter(*fields), rows))
    except KeyError:
        values = [tuple(r.get(field, "") for field in fields) for r in rows]
    places = {tid: sort_key(tid) for tid in {v[0] for v in values}}
    keys = [
        (
            places[tid],
            int(start) if start.__class__ is str and start.isdigit() and start.isascii() else (_int(start) or 0),
            int(end) if end.__class__ is str and end.isdigit() and end.isascii() else (_int(end) or 0),
            code,
            unit,
        )
        for tid, start, end, code, unit in values
    ]
    return [rows[i] for i in sorted(range(len(rows)), key=keys.__getitem__)]


def _refreshed(candidate: Row) -> Row:
    """The tool's columns of a candidate row (what a kept unit takes from this run's candidate)."""
    if candidate.keys() == _CANDIDATE_COLUMNS:
        return candidate  # a candidate row holds exactly these and its unit_id, which the unit shares
    return {column: candidate[column] for column in TOOL_REFRESHED}


def follow_renamed(
    previous: list[Row], transcripts: dict[str, str], participants_by_transcript: dict[str, str]
) -> tuple[list[Row], list[str]]:
    """Rows of a transcript that is no longer ingested move to the newly ingested transcript (one without rows
    yet) that holds every one of their texts: the file was renamed (P02_访谈.txt → P02_访谈_修订.txt), and its
    units follow it instead of being orphaned. Returns the rows (moved ones copied) and a note per move."""
    present = {r.get("transcript_id", "").strip() for r in previous}
    fresh = sorted(set(transcripts) - present)
    notes: list[str] = []
    moves: dict[str, str] = {}
    for old in sorted(present - set(transcripts)):
        texts = [
            r.get("text", "")
            for r in previous
            if r.get("transcript_id", "").strip() == old and r.get("status") != "orphaned" and r.get("text", "").strip()
        ]
        if not texts:
            continue
        homes = [new for new in fresh if new not in moves.values() and all(t in transcripts[new] for t in texts)]
        if len(homes) == 1:
            moves[old] = homes[0]
            notes.append(
                f"transcript {old} is no longer ingested and {homes[0]} holds all of its units' texts: "
                f"its {len(texts)} units follow it to {homes[0]} (renamed?)"
            )
    if not moves:
        return previous, notes
    out = []
    for row in previous:
        new = moves.get(row.get("transcript_id", "").strip())
        if new is not None:
            row = dict(row, transcript_id=new, participant_id=participants_by_transcript.get(new, ""))
        out.append(row)
    return out, notes


def missing_transcripts(previous: list[Row], transcripts: dict[str, str], sheet_name: str) -> list[str]:
    """A warning naming the transcripts rows belong to that are not ingested (their rows stay, orphaned)."""
    counts: dict[str, int] = {}
    for row in previous:
        transcript_id = row.get("transcript_id", "").strip()
        if transcript_id and transcript_id not in transcripts:
            counts[transcript_id] = counts.get(transcript_id, 0) + 1
    if not counts:
        return []
    listed = ", ".join(f"{tid} ({n})" for tid, n in sorted(counts.items(), key=lambda item: sort_key(item[0])))
    return [
        f"{sheet_name}: rows of transcripts that are not ingested stay, orphaned, and are not counted by themes: "
        f"{listed} — restore the transcripts, or delete those rows"
    ]
