"""Parsing REFI-QDA XML safely and validating it against the shipped QDA-XML schemas.

Exchange files are untrusted: no DTDs (so no entity expansion), no network, and every file must pass the
schema before anything in it is used. Messages give the first schema errors with their line numbers.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from themeflow.errors import InputError, Problem

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMAS = {PROJECT_NS: "Project-mrt2019.xsd", CODEBOOK_NS: "Codebook-mrt2019.xsd"}
ROOTS = {PROJECT_NS: "Project", CODEBOOK_NS: "CodeBook"}
MAX_ERRORS = 5
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


@cache
def schema(namespace: str) -> Any:
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / SCHEMAS[namespace])))


def _parser() -> Any:
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse(data: bytes, name: str, namespace: str) -> Any:
    """Parse untrusted REFI-QDA XML; refuse DTDs and entities; check the root; validate; return the root."""
    from lxml import etree

    if _DOCTYPE.search(data[:65536]) or _DOCTYPE.search(data.replace(b"\x00", b"")[:131072]):
        raise InputError(
            "the XML declares a DOCTYPE or entities, which exchange files never need; refusing it", file=name
        )
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise InputError(f"not well-formed XML ({exc.msg})", file=name, line=line) from exc
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InputError("the XML declares a DOCTYPE, which exchange files never need; refusing it", file=name)
    root = tree.getroot()
    expected = f"{{{namespace}}}{ROOTS[namespace]}"
    if root.tag != expected:
        found = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        raise InputError(
            f"expected a REFI-QDA <{ROOTS[namespace]}> in namespace {namespace}, found <{found}>",
            file=name,
            line=root.sourceline,
        )
    tolerate_known_quirks(root, namespace)
    validate(root, name, namespace)
    return root


def tolerate_known_quirks(root: Any, namespace: str) -> None:
    """Repair what real programs write that the schema forbids but that carries no meaning.

    Taguette writes an empty `<Sets/>` in codebooks (the schema wants at least one Set)."""
    for element in list(root):
        if element.tag == f"{{{namespace}}}Sets" and len(element) == 0:
            root.remove(element)


def validate(root: Any, name: str, namespace: str) -> None:
    checker = schema(namespace)
    if checker.validate(root):
        return
    errors = [Problem(_short(e.message), name, line=e.line) for e in list(checker.error_log)[:MAX_ERRORS]]
    first = errors[0]
    raise InputError(
        f"does not follow the REFI-QDA schema: {first.message}",
        file=name,
        line=first.line,
        problems=errors[1:],
    )


def _short(message: str) -> str:
    return re.sub(r"\{urn:QDA-XML:(?:project|codebook):1\.0\}", "", message)
