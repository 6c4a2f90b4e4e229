"""De-identification of transcripts (runs inside ingest, before speakers, sentences and offsets).

Interface used by ingest (`themeflow.ingest.stage`):

    deidentifier = prepare(workspace, participants, enabled=True)
    text, redactions = deidentifier.apply(transcript_id, text)
    deidentifier.save(transcript_ids)   # key (0600, outside analysis/) and 01-ingest/redactions.csv
"""

from themeflow.deid.engine import Deidentifier, prepare

__all__ = ["Deidentifier", "prepare"]
