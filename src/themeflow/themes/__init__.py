"""Stage 04: themes. Turns coders' decisions into what a paper needs: Table 3 (themes, participants n/N,
units, quotes), Table 2 (participant characteristics), the participant × code matrix, code saturation and a
self-contained report. `run(workspace)` writes it, `check(workspace)` compares it, both pure of the inputs."""

from themeflow.themes.stage import ThemesResult, check, compute, notices, run, stale_reasons, verify

__all__ = ["ThemesResult", "check", "compute", "notices", "run", "stale_reasons", "verify"]
