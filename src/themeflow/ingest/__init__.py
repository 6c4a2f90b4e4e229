"""Stage 01: read transcripts in the formats people have, normalise, split speakers and sentences,
segment with jieba. `run(workspace)` is the entry point; the modules below each do one job."""

from themeflow.ingest.stage import IngestResult, run, stale_reasons

__all__ = ["IngestResult", "run", "stale_reasons"]
