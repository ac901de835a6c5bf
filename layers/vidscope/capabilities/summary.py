"""summary: an extractive summary and key topics of the transcript (Bedrock in the cloud).

The result's model is the summarizers' own (``vidscope.text.summaries``); the summarizers are the
deployment's providers, handed to the compute in its inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidscope.access import Access
from vidscope.capabilities.base import Capability, Inputs, Need, NoOptions

if TYPE_CHECKING:
    from vidscope.text.summaries import Summary


def _summarize(inputs: Inputs, options: NoOptions) -> Summary:
    return inputs.summarizer.summarize(inputs.transcript)  # checked against the model by Capability.run


CAPABILITY: Capability[NoOptions, Summary] = Capability(
    name="summary",
    description="Extractive summary and key topics",
    credits_per_minute=1,
    needs=frozenset({Need.TRANSCRIPT}),
    options=NoOptions,
    result="vidscope.text.summaries:Summary",  # imported where results are used (DESIGN §9)
    compute=_summarize,
    access=frozenset({Access.INVOKE_MODEL}),  # the Bedrock provider
    render=lambda s: [s.text, f"key topics: {', '.join(s.key_topics)}"],
)
