"""Stage 03: inter-coder agreement on participant sentence × code presence, and the consensus sheet.

Modules: `units` (which sentences a unit covers), `measures` (the statistics), `table` (agreement.csv),
`sheets` (reading coders' sheets), `consensus` (the consensus sheet), `stage` (I/O and orchestration).
"""

from __future__ import annotations

from themeflow.agree.stage import (
    AdoptResult,
    AgreementResult,
    PrepareResult,
    adopt,
    prepare,
    prepared_sheets,
    run,
    stale_reasons,
)

__all__ = [
    "AdoptResult",
    "AgreementResult",
    "PrepareResult",
    "adopt",
    "prepare",
    "prepared_sheets",
    "run",
    "stale_reasons",
]
