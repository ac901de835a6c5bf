"""The content hash of an ingested file, and the reuse it allows (DESIGN §3b, Reuse): a job on
the same content as a completed job of its tenant, asking capabilities with options that job
already computed, takes that job's results instead of computing them again.

The hash is of the media's streams, not the file: each stream's codec, extra data and the
payload of every packet, in order, read by PyAV's demuxer (no decode). Equal packets decode to
equal pictures and sound (decoders are deterministic), so an equal hash is the same decoded
content, whatever container or file metadata carries it: a re-download, a re-upload, a remux. A
re-encode is other content, here (the fingerprint finds it)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def content_hash(path: Path) -> str:
    """sha256 over each audio and video stream's codec, extra data, and packets (payload and time
    in seconds), each stream on its own so the muxer's interleaving and time base do not count:
    ``sha256:…``."""
    import av  # deferred: the ingestion image's; merging reads this module's reuse rule only

    with av.open(str(path)) as container:
        streams = [s for s in container.streams if s.type in ("audio", "video")]
        digests = {s.index: hashlib.sha256(f"{s.type}:{s.codec_context.name}:".encode()) for s in streams}
        for stream in streams:
            digests[stream.index].update(bytes(stream.codec_context.extradata or b""))
        for packet in container.demux(streams):
            if packet.size:
                # When each packet is shown, in seconds (ms), not in the container's time base:
                # the same pictures at another pace are other content.
                shown = round(float(packet.pts * packet.time_base), 3) if packet.pts is not None else None
                digests[packet.stream.index].update(f"{shown}:".encode() + bytes(packet))
    combined = hashlib.sha256()
    for stream_digest in sorted(d.hexdigest() for d in digests.values()):
        combined.update(stream_digest.encode())
    return f"sha256:{combined.hexdigest()}"


def reusable_source(
    sources: Sequence[Mapping[str, Any]], capabilities: Sequence[str], options: Mapping[str, Mapping[str, Any]]
) -> str | None:
    """The newest source (content records, newest first: {job_id, options, computed}) that
    computed every one of ``capabilities`` with the same options; None when none did."""
    for source in sources:
        computed, computed_options = set(source.get("computed", ())), source.get("options", {})
        if all(name in computed and computed_options.get(name) == options.get(name) for name in capabilities):
            return str(source["job_id"])
    return None
