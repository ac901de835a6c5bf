"""The content hash of an ingested file, and the reuse it allows (DESIGN §3b, Reuse): a job on
the same content as a completed job of its tenant, asking capabilities with options that job
already computed, takes that job's results instead of computing them again.

The hash is of the media's streams, not the file: each stream's codec parameters and the
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
    """sha256 over the audio and video streams' parameters and packets (``sha256:…``)."""
    import av  # deferred: the ingestion image's; merging reads this module's reuse rule only

    digest = hashlib.sha256()
    with av.open(str(path)) as container:
        streams = [s for s in container.streams if s.type in ("audio", "video")]
        for stream in streams:
            context = stream.codec_context
            digest.update(f"{stream.index}:{stream.type}:{context.name}:{stream.time_base}".encode())
            digest.update(bytes(context.extradata or b""))
        for packet in container.demux(streams):
            if packet.size:
                digest.update(f"{packet.stream.index}:{packet.pts}:{packet.size}".encode())
                digest.update(bytes(packet))
    return f"sha256:{digest.hexdigest()}"


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
