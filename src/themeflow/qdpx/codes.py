"""The codebook in REFI-QDA terms: themeflow nodes ↔ nested `<Code>` elements.

Export: a code's name starts with its id (`T1.1 普通的人际联结`) so ids survive other programs, and its
`Description` carries the MacQueen parts under fixed headings that the importer reads back.
Import: ids come from a leading id in the name, else they are generated (C1, C2, …); ATLAS.ti's folded
names (`Parent::Child`) are unfolded into a hierarchy.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from themeflow.codebook import Codebook, Node, Text

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://themeflow.invalid/refi-qda")
PALETTE = [
    "#1F77B4",
    "#FF7F0E",
    "#2CA02C",
    "#D62728",
    "#9467BD",
    "#8C564B",
    "#E377C2",
    "#7F7F7F",
    "#BCBD22",
    "#17BECF",
]
_RGB = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
_LEADING_ID = re.compile(r"^\s*([A-Za-z]{1,8}\d+(?:\.\d+)*)(?:\s+|\s*[:：]\s*)(\S.*)$")

# Headings inside a Description; the importer reads them back.
HEAD_LABEL = "【English label】"
HEAD_DEFINITION = "【定义 Definition】"
HEAD_USE = "【何时使用 When to use】"
HEAD_NOT_USE = "【何时不用 When not to use】"
HEAD_EXAMPLES = "【示例 Examples】"
HEADINGS = [HEAD_LABEL, HEAD_DEFINITION, HEAD_USE, HEAD_NOT_USE, HEAD_EXAMPLES]


def guid(kind: str, key: str) -> str:
    """A deterministic GUID for one object (kind: code, source, selection, …) from its themeflow id."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


# --- export -------------------------------------------------------------------------------------


def code_name(node: Node) -> str:
    label = node.label.zh or node.label.en
    return f"{node.id} {label}".strip() if label and label != node.id else node.id


def _text_lines(text: Text) -> list[str]:
    return [f"{lang}: {value}" for lang, value in (("zh", text.zh), ("en", text.en)) if value]


def description(node: Node) -> str:
    """The MacQueen parts as plain text under fixed bilingual headings."""
    parts: list[str] = []
    if node.label.en and node.label.zh:
        parts.append(f"{HEAD_LABEL}\n{node.label.en}")
    for heading, text in (
        (HEAD_DEFINITION, node.definition),
        (HEAD_USE, node.when_to_use),
        (HEAD_NOT_USE, node.when_not_to_use),
    ):
        lines = _text_lines(text)
        if lines:
            parts.append("\n".join([heading, *lines]))
    if node.examples:
        parts.append("\n".join([HEAD_EXAMPLES, *(f"- {e}" for e in node.examples)]))
    return "\n\n".join(parts)


def colour(node: Node, theme_index: int, theme_colour: str | None) -> str:
    if node.color and _RGB.match(node.color):
        return node.color.upper()
    return theme_colour or PALETTE[theme_index % len(PALETTE)]


def code_elements(book: Codebook, namespace: str, with_note_refs: bool = False) -> Any:
    """A `<Codes>` element for `book` in the given namespace (project or codebook)."""
    from lxml import etree

    def tag(name: str) -> str:
        return f"{{{namespace}}}{name}"

    codes = etree.Element(tag("Codes"))

    def add(parent: Any, node: Node, index: int, inherited: str | None) -> None:
        fill = colour(node, index, inherited)
        element = etree.SubElement(
            parent,
            tag("Code"),
            guid=guid("code", node.id),
            name=code_name(node),
            isCodable="true" if node.is_code else "false",
            color=fill,
        )
        text = description(node)
        if text:
            etree.SubElement(element, tag("Description")).text = text
        for child in node.children:
            add(element, child, index, fill)

    for index, theme in enumerate(book.themes):
        add(codes, theme, index, None)
    return codes


# --- import -------------------------------------------------------------------------------------


@dataclass
class ImportedCode:
    """A code read from a REFI-QDA file, before it becomes YAML."""

    guid: str
    name: str
    description: str = ""
    color: str = ""
    codable: bool = True
    children: list[ImportedCode] = field(default_factory=list)
    id: str = ""


def read_codes(codes_element: Any, namespace: str) -> list[ImportedCode]:
    def build(element: Any) -> ImportedCode:
        desc = element.find(f"{{{namespace}}}Description")
        code = ImportedCode(
            guid=element.get("guid", "").strip("{}").lower(),
            name=(element.get("name") or "").strip(),
            description=(desc.text or "").strip() if desc is not None else "",
            color=element.get("color") or "",
            codable=(element.get("isCodable") or "true").lower() in {"true", "1"},
        )
        code.children = [build(c) for c in element.findall(f"{{{namespace}}}Code")]
        return code

    return [build(c) for c in codes_element.findall(f"{{{namespace}}}Code")] if codes_element is not None else []


def unfold_folded_names(codes: list[ImportedCode]) -> list[ImportedCode]:
    """ATLAS.ti exports `Coke::diet Coke` as a flat code: make `Coke` a parent and `diet Coke` its child."""
    if not any("::" in c.name for c in codes):
        return codes
    out: list[ImportedCode] = []
    parents = {c.name: c for c in codes if "::" not in c.name}  # a real `Coke` code is the parent of `Coke::…`
    for code in codes:
        if "::" not in code.name:
            out.append(code)
            continue
        parent_name, child_name = (part.strip() for part in code.name.split("::", 1))
        parent = parents.get(parent_name)
        if parent is None:
            parent = ImportedCode(guid=guid("folded", parent_name), name=parent_name, codable=False)
            parents[parent_name] = parent
            out.append(parent)
        code.name = child_name or code.name
        parent.children.append(code)
    for code in out:
        code.children = unfold_folded_names(code.children)
    return out


def assign_ids(codes: list[ImportedCode]) -> dict[str, ImportedCode]:
    """Give every code an id (leading id in its name, else C1, C2, …); return them by guid."""
    flat: list[ImportedCode] = []

    def visit(code: ImportedCode) -> None:
        flat.append(code)
        for child in code.children:
            visit(child)

    for code in codes:
        visit(code)
    taken: set[str] = set()
    for code in flat:
        match = _LEADING_ID.match(code.name)
        if match and match.group(1) not in taken:
            code.id = match.group(1)
            code.name = match.group(2).strip()
            taken.add(code.id)
    counter = 0
    for code in flat:
        if not code.id:
            counter += 1
            while f"C{counter}" in taken:
                counter += 1
            code.id = f"C{counter}"
            taken.add(code.id)
    return {c.guid: c for c in flat}


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0003134f" for ch in text)


def _bilingual(lines: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    loose: list[str] = []
    for line in lines:
        if line.startswith(("zh: ", "en: ")):
            out[line[:2]] = (out.get(line[:2], "") + " " + line[4:]).strip()
        elif line.strip():
            loose.append(line.strip())
    if loose:
        text = "\n".join(loose)
        key = "zh" if _has_cjk(text) else "en"
        out[key] = (out.get(key, "") + "\n" + text).strip()
    return out


def parse_description(text: str) -> dict[str, Any]:
    """A node's fields from a Description: themeflow's headings when present, else all is the definition."""
    if not any(h in text for h in HEADINGS):
        return {"definition": _bilingual(text.splitlines())} if text.strip() else {}
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        if line.strip() in HEADINGS:
            current = line.strip()
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    fields: dict[str, Any] = {}
    if sections.get(HEAD_LABEL):
        fields["label_en"] = " ".join(s.strip() for s in sections[HEAD_LABEL] if s.strip())
    for heading, key in (
        (HEAD_DEFINITION, "definition"),
        (HEAD_USE, "when_to_use"),
        (HEAD_NOT_USE, "when_not_to_use"),
    ):
        if sections.get(heading):
            fields[key] = _bilingual(sections[heading])
    if sections.get(HEAD_EXAMPLES):
        fields["examples"] = [
            s.strip()[2:].strip() if s.strip().startswith("- ") else s.strip()
            for s in sections[HEAD_EXAMPLES]
            if s.strip()
        ]
    return fields


def to_yaml_data(codes: list[ImportedCode], codebook_id: str, title: str, source: str) -> dict[str, Any]:
    """The codebook as themeflow YAML data (cues empty: people add them before `themeflow code`)."""

    def node(code: ImportedCode) -> dict[str, Any]:
        fields = parse_description(code.description)
        label: dict[str, str] = {}
        name = code.name or code.id
        label["zh" if _has_cjk(name) else "en"] = name
        if fields.get("label_en") and "en" not in label:
            label["en"] = fields["label_en"]
        out: dict[str, Any] = {"id": code.id, "label": label}
        for key in ("definition", "when_to_use", "when_not_to_use"):
            if fields.get(key):
                out[key] = fields[key]
        if fields.get("examples"):
            out["examples"] = fields["examples"]
        if code.color and _RGB.match(code.color):
            out["color"] = code.color.upper()
        if code.children:
            out["children"] = [node(c) for c in code.children]
        return out

    return {
        "id": codebook_id,
        "title": {"en": title} if not _has_cjk(title) else {"zh": title},
        "version": 1,
        "source": source,
        "themes": [node(c) for c in codes],
    }


def yaml_text(data: dict[str, Any]) -> str:
    import yaml

    header = (
        "# Imported from a REFI-QDA file by `themeflow import`. Cues (keywords, phrases, patterns)\n"
        "# are empty: add them before `themeflow code` drafts candidates with this codebook.\n"
    )
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
