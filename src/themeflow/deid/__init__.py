"""De-identification of transcripts (runs inside ingest, before speakers, sentences and offsets).

Interface used by ingest (`themeflow.ingest.stage`):

    deidentifier = prepare(workspace, participants, enabled=True)
    text, redactions = deidentifier.apply(transcript_id, text)
    deidentifier.save(transcript_ids)   # key (0600, outside analysis/) and 01-ingest/redactions.csv

Other commands call `warning_for(workspace)` and print it when ingest ran with de-identification off.
Module map: patterns (numbers, handles, addresses), names, terms (configured and known), detect (all of
them on a Simplified shadow), key, redactions, engine, review, keep (editing deid.keep), audit, mask.
"""

from themeflow.deid.engine import Deidentifier, prepare
from themeflow.deid.status import warning_for

__all__ = ["Deidentifier", "prepare", "warning_for"]
