"""REFI-QDA exchange (.qdpx projects, .qdc codebooks) with NVivo, ATLAS.ti, MAXQDA, QualCoder and others.

Modules: `archive` (safe ZIP reading, deterministic writing), `xmlcheck` (safe XML parsing and schema
validation), `codes` (codebook ↔ `<Code>` elements), `offsets` (selection positions), `reader` (a project
file → plain data), `export` and `importer` (the two directions).
"""

from themeflow.qdpx.export import ExportResult, export_codebook, export_project, export_qdc, export_qdpx
from themeflow.qdpx.importer import ImportResult, import_codebook, import_project, import_qdc, import_qdpx

__all__ = [
    "ExportResult",
    "ImportResult",
    "export_codebook",
    "export_project",
    "export_qdc",
    "export_qdpx",
    "import_codebook",
    "import_project",
    "import_qdc",
    "import_qdpx",
]
