"""What the summarizers make and how the capabilities call them: the summary's model, the
``Summarizer`` protocol (extractive locally, Bedrock in the cloud: ``vidscope.text.summarizers``)
and the errors a model provider raises. Light on purpose: the API imports the capabilities'
declarations, which name these types, and never summarizes."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from vidscope.transcripts import Transcript


class Summary(BaseModel):
    text: str
    key_topics: list[str]


class Summarizer(Protocol):
    """Summary and key topics of a transcript; titles and summaries of its chapters."""

    def summarize(self, transcript: Transcript) -> Summary: ...

    def describe_chapters(self, texts: list[str]) -> list[tuple[str, str]]:
        """A short title and a one-sentence summary for each chapter's text, in order (one call
        for the whole video, so that titles can differ from each other)."""
        ...


class ModelThrottled(Exception):
    """The model provider refused for now (throttled): worth retrying as it is."""


class ModelAnswerUnreadable(Exception):
    """The model answered something that cannot be read as what was asked: retrying the same
    request is unlikely to help."""
