"""Stage 02: apply the codebook, draft candidate meaning units, merge them into the coder sheet."""

from themeflow.coding.stage import CodeResult, applied_codebook_path, load_applied_codebook, run, stale_reasons

__all__ = ["CodeResult", "applied_codebook_path", "load_applied_codebook", "run", "stale_reasons"]
