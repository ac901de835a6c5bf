"""The vision task's work: the container runs this once per job, under the task's heartbeat
(``container_task``). It decodes the media once (``vidscope.vision``) and stores what the job's
plan asked of it (``VisionRequest``: shots, keyframes, on-screen text, stills at the sizes asked
for) for the analyses; it never learns which capability asked."""

from __future__ import annotations

import tempfile
from pathlib import Path

from vidscope.adapters.media_store import staged_key
from vidscope.log import logger
from vidscope.models import Stage
from vidscope.pipeline import container_task
from vidscope.pipeline.container_task import Heartbeat, TaskRuntime, WorkerTask
from vidscope.pipeline.errors import JobNotActive, StageFailed, VisionFailed
from vidscope.pipeline.messages import VisionRef
from vidscope.pipeline.stages import check_active, enter_stage
from vidscope.vision.limits import UnsupportedPicture
from vidscope.vision.models import VISION_DIR, Keyframe
from vidscope.vision.request import Stills, VisionRequest, stills_file


def vision_key(tenant_id: str, job_id: str) -> str:
    return staged_key(tenant_id, job_id, f"{VISION_DIR}/vision.json")


def run(task: WorkerTask, runtime: TaskRuntime, request: VisionRequest) -> bool:
    """See the job's media as ``request`` (the job's plan) asks; True when the stage's output was
    delivered."""
    repo, media, clock = runtime.repo, runtime.media, runtime.clock

    def work(heartbeat: Heartbeat) -> VisionRef:
        from vidscope.vision.stage import see  # deferred: the vision image's libraries

        if Stage.TRANSCRIPTION not in task.job.stages:  # otherwise transcription reports the progress
            enter_stage(repo, task.job, Stage.VISION, clock)
        with tempfile.TemporaryDirectory(prefix="vidscope-vision-") as tmp:
            path = Path(tmp) / Path(task.media_key).name
            media.download_file(task.media_key, path)
            heartbeat.check()
            out = Path(tmp) / VISION_DIR
            try:
                seen = see(path, out, request)
                for stills in request.stills:
                    _render_stills(seen.poster, seen.keyframes, out, stills)
            except (JobNotActive, StageFailed):
                raise
            except UnsupportedPicture as exc:  # final: the same input would be refused again
                raise VisionFailed(f"the video's pictures cannot be seen: {exc}") from exc
            except Exception as exc:
                logger.exception("vision failed")
                raise VisionFailed("the media's pictures could not be decoded") from exc
            heartbeat.check()
            check_active(repo, task.job)  # cancelled (and perhaps deleted) meanwhile: store nothing
            # vision.json (which see() writes too) is stored last, below, as the output's sign of completion.
            for file in sorted(p for p in out.rglob("*") if p.is_file() and p.name != "vision.json"):
                name = f"{VISION_DIR}/{file.relative_to(out).as_posix()}"
                media.put_file(staged_key(task.job.tenant_id, task.job.job_id, name), file)
        key = vision_key(task.job.tenant_id, task.job.job_id)
        media.put_json(key, seen.model_dump(mode="json"))
        # On to the next stage, unless transcription runs beside it and reports the progress:
        # moving on first would drop every later transcription percent (progress never moves back).
        stages = task.job.stages
        if Stage.TRANSCRIPTION not in stages and stages[-1] is not Stage.VISION:
            enter_stage(repo, task.job, stages[stages.index(Stage.VISION) + 1], clock)
        return VisionRef(vision_key=key, shots=len(seen.shots), text_items=len(seen.text))

    return container_task.run(task, work, runtime)


def _render_stills(poster: Keyframe, keyframes: list[Keyframe], out: Path, stills: Stills) -> None:
    """The keyframes scaled to the requested width, in the requested format (OpenCV's codecs)."""
    import cv2

    from vidscope.vision.sizes import fit_thumbnail  # deferred, as cv2: the vision image's libraries

    width, format = stills.width, stills.format
    for keyframe in [poster, *keyframes]:
        image = cv2.imread(str(out / keyframe.file))
        if image is None:
            raise VisionFailed(f"the keyframe {keyframe.file} could not be read back")
        scaled = fit_thumbnail(image, width)  # a sliver of a picture is not a thumbnail a mile tall
        ok, encoded = cv2.imencode(f".{'jpg' if format == 'jpeg' else format}", scaled)
        if not ok:
            raise VisionFailed(f"could not encode a {format} thumbnail")
        target = out / stills_file(keyframe.shot_index, stills)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(encoded.tobytes())
