"""The writer behind ``gitops-tui record``: one pipeline stage's report into the table.

:mod:`.stage_record` holds the report and its checks, :mod:`.stages` the rows each stage
writes, :mod:`.upsert` the conditional writes with retries.
"""

from gitops_tui.writer.stage_record import RecordError, StageRecord
from gitops_tui.writer.stages import NothingToUpdate, record

__all__ = ["NothingToUpdate", "RecordError", "StageRecord", "record"]
