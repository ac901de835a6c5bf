"""The results of ``vidscope.capabilities.chapters``: imported where its results are used (the
analysis, merge and document), never by create_job, which validates options only (DESIGN §9)."""

from __future__ import annotations

from pydantic import BaseModel


class Chapter(BaseModel):
    index: int
    start: float
    end: float
    title: str
    summary: str


class ChaptersResult(BaseModel):
    total_chapters: int
    chapters: list[Chapter]
