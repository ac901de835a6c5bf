"""Reading a site's comments (``pipeline.ingestion.read_comments``) from what a yt-dlp extractor
hands back, bounded by count and time, each comment cleaned; and the plan handing ingestion the
count as data."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from yt_dlp.extractor.common import InfoExtractor

from tests.support.comment_site import comment
from vidscope.jobs.plan import plan_for
from vidscope.pipeline.ingestion import read_comments
from vidscope.text.comments import CommentsRequest, site_comment


class _Extractor(InfoExtractor):  # type: ignore[misc]  # yt-dlp ships no types
    """An extractor whose comments come from a given generator function, as a site's would."""

    def __init__(self, comments: Callable[[], Iterator[dict[str, Any]]]) -> None:
        super().__init__()
        self._comments = comments

    def get_param(self, name: str, default: Any = None, *args: Any, **kwargs: Any) -> Any:
        return True if name == "getcomments" else default

    def _get_comments(self, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        return self._comments()


def _reader(comments: Callable[[], Iterator[dict[str, Any]]]) -> Callable[[], Any]:
    reader: Callable[[], Any] | None = _Extractor(comments).extract_comments()
    assert reader is not None
    return reader


def _endless() -> Iterator[dict[str, Any]]:
    number = 0
    while True:
        number += 1
        yield comment(number)


def _later() -> float:
    return time.monotonic() + 30


def test_reading_stops_at_max_comments_and_says_the_site_has_more() -> None:
    read = read_comments(_reader(_endless), CommentsRequest(max_comments=25), _later())
    assert [c.id for c in read.items] == [f"c{n}" for n in range(1, 26)]
    assert read.offered and not read.complete and "max_comments" in (read.note or "")


def test_exactly_max_comments_on_the_site_is_complete() -> None:
    read = read_comments(
        _reader(lambda: (c for c in [comment(1), comment(2)])), CommentsRequest(max_comments=2), _later()
    )
    assert len(read.items) == 2 and read.complete and read.note is None


def test_reading_stops_when_its_time_runs_out_and_keeps_what_it_read() -> None:
    def slow() -> Iterator[dict[str, Any]]:
        for item in _endless():
            time.sleep(0.05)
            yield item

    started = time.monotonic()
    read = read_comments(_reader(slow), CommentsRequest(max_comments=1000), time.monotonic() + 0.5)
    assert time.monotonic() - started < 1.5
    assert 3 <= len(read.items) < 20 and not read.complete and "time" in (read.note or "")


def test_a_site_failing_part_way_keeps_what_was_read() -> None:
    def failing() -> Iterator[dict[str, Any]]:
        yield comment(1)
        raise ConnectionResetError("\x1b[31mreset\x1b[0m by peer")

    read = read_comments(_reader(failing), CommentsRequest(), _later())
    assert [c.id for c in read.items] == ["c1"] and not read.complete
    assert read.note is not None and "stopped answering after 1 comments" in read.note and "\x1b" not in read.note


def test_comments_turned_off_or_not_offered_are_an_empty_list_with_why() -> None:
    def disabled() -> Iterator[dict[str, Any]]:
        raise InfoExtractor.CommentsDisabled
        yield {}

    off = read_comments(_reader(disabled), CommentsRequest(), _later())
    assert off.items == [] and not off.offered and "turned off" in (off.note or "")
    none = read_comments(None, CommentsRequest(), _later())
    assert none.items == [] and not none.offered


def test_a_reader_of_another_shape_is_called_and_its_list_bounded() -> None:
    read = read_comments(
        lambda: {"comments": [comment(n) for n in range(1, 6)]}, CommentsRequest(max_comments=3), _later()
    )
    assert [c.id for c in read.items] == ["c1", "c2", "c3"] and not read.complete


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"id": 7, "text": " hi\n\tthere ", "parent": "root", "like_count": True}, ("7", "hi there", None, None)),
        (
            {"id": "a", "text": "x" * 5000, "parent": "b", "like_count": -3, "timestamp": 1e20},
            ("a", "x" * 1999 + "…", "b", None),
        ),
        ({"id": "a", "text": "\u202e\x00"}, None),  # nothing left of the text
        ({"text": "no id"}, None),
    ],
)
def test_each_comment_is_cleaned_and_capped(
    raw: dict[str, Any], expected: tuple[str, str, str | None, int | None] | None
) -> None:
    cleaned = site_comment(raw)
    if expected is None:
        assert cleaned is None
        return
    assert cleaned is not None
    assert (cleaned.id, cleaned.text, cleaned.parent_id, cleaned.likes) == expected and cleaned.timestamp is None


def test_the_plan_hands_ingestion_the_count_as_data() -> None:
    assert plan_for(["transcription"]).comments is None
    assert plan_for(["comments"]).comments == CommentsRequest(max_comments=100)
    assert plan_for(["comments"], {"comments": {"max_comments": 7}}).comments == CommentsRequest(max_comments=7)
    assert plan_for(["comments"]).stages == ("ingestion", "analysis", "merging") and not plan_for(["comments"]).video


def test_the_cli_prints_comment_text_as_text_never_as_markup() -> None:
    from rich.console import Console

    from vidscope.cli import _job_lines
    from vidscope.models import Job

    hostile = site_comment({"id": "c1", "author": "[red]mallory", "text": "\x1b[2J[bold]shout[/bold] \u202eevil"})
    assert hostile is not None
    job = Job.model_validate(
        {
            "job_id": "job_01",
            "status": "completed",
            "url": "https://example.com/talks/1",
            "platform": "other",
            "capabilities": ["comments"],
            "credits_estimated": 1,
            "return_proof": False,
            "created_at": "2026-12-07T10:00:00.000Z",
            "updated_at": "2026-12-07T10:01:00.000Z",
            "results": {"comments": {"total": 1, "complete": True, "items": [hostile.model_dump(exclude_none=True)]}},
        }
    )
    console = Console(record=True, width=200, color_system=None)
    for line in _job_lines(job):
        console.print(line)
    shown = console.export_text()
    assert "[red]mallory: [bold]shout[/bold] evil" in shown and "\x1b" not in shown and "\u202e" not in shown


def test_merging_may_not_read_what_ingestion_downloaded() -> None:
    from dataclasses import replace

    from vidscope import capabilities
    from vidscope.capabilities import comments
    from vidscope.capabilities.base import RunsIn

    merged = replace(comments.CAPABILITY, name="merged_comments", runs_in=RunsIn.MERGING)
    with pytest.raises(capabilities.UnroutableCapability, match="only the analysis step may read"):
        capabilities.register(merged)
    assert "merged_comments" not in capabilities.REGISTRY
