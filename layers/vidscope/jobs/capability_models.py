"""The API models typed by the capability registry: the body of ``POST /v1/jobs``
(``CreateJobRequest``, its options one schema per capability: ``job_options_model``) and the
results' schema (``job_results_model``). Apart from ``vidscope.models`` so that only the functions
that validate options or type results load the registry: the others (reading, listing, cancelling
jobs) stay under their cold-import budget (DESIGN §9). A request's options are validated by the
models of the capabilities it names alone, so create_job imports no capability at cold start and
one per capability a request names."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from vidscope import capabilities, catalog
from vidscope.models import SCHEMA_MARKER, Url
from vidscope.safe_text import refuse_unsafe_text
from vidscope.url_syntax import check_url_syntax


def _omitted_when_none(model: type[BaseModel]) -> Any:
    return (model | None, Field(default=None, exclude_if=lambda value: value is None))


# One property per capability, each its own named schema (the options and result models the
# capability declares), so generated clients get types; absent when not asked for.
def _options_model(names: Iterable[str]) -> type[BaseModel]:
    # Keyed by the options models themselves, not the names: a capability registered again
    # under a name (an extension tried twice in one process) is validated by its own.
    return _options_model_of(tuple((name, capabilities.get(name).options) for name in names))


@cache
def _options_model_of(fields: tuple[tuple[str, type[BaseModel]], ...]) -> type[BaseModel]:
    return create_model(
        "JobOptions",
        __config__=ConfigDict(extra="forbid"),
        __doc__="Options per capability; each applies only to a requested capability.",
        **{name: _omitted_when_none(options) for name, options in fields},
    )


def job_options_model() -> type[BaseModel]:
    """The options' schema (``JobOptions``), one property per capability: the OpenAPI document's
    (``infra.openapi``). A request is validated by the same model narrowed to the capabilities its
    options name."""
    return _options_model(capabilities.names())


@cache
def job_results_model() -> type[BaseModel]:
    """The results' schema (``JobResults``), one property per capability: the OpenAPI document's
    (``infra.openapi``), not a handler's. Built on first use, since it imports every capability's
    result models, which create_job never reads (DESIGN §9)."""
    return create_model(
        "JobResults",
        # A capability this document does not list yet (registered after it was generated, or run
        # by a newer worker during a deploy) is served as it was stored rather than dropped.
        __config__=ConfigDict(extra="allow", defer_build=True),
        __doc__="The result of each requested capability that completed.",
        **{name: _omitted_when_none(c.result_model) for name, c in capabilities.REGISTRY.items()},
    )


class CreateJobRequest(BaseModel):
    """Body of ``POST /v1/jobs``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    # upload_id first: url's check (which runs after it) names url when neither or both are given.
    upload_id: str | None = Field(
        default=None, pattern=r"^upl_[0-9a-z]{26}$", description="A file uploaded with POST /v1/uploads (or url)"
    )
    url: Url | None = Field(
        default=None,
        validate_default=True,
        description="http(s) URL of a video page or media file (or upload_id)",
    )
    capabilities: list[str] = Field(
        min_length=1,
        description="Analyses to run: " + ", ".join(capabilities.names()),
        json_schema_extra={"items": {"enum": list[JsonValue](capabilities.names())}, "uniqueItems": True},
    )
    # Validated by ``_options_by_capability``; the document types it as ``job_options_model``.
    options: Annotated[dict[str, Any], WithJsonSchema({"type": "object", SCHEMA_MARKER: "JobOptions"})] | None = Field(
        default=None, validate_default=True, description="Options of the requested capabilities, by capability"
    )
    return_proof: StrictBool = Field(default=False, description="Alias of options.brands.return_proof")
    webhook_url: Url | None = Field(default=None, description="https URL notified when the job ends")
    reuse: StrictBool = Field(
        default=True,
        description=(
            "Reuse the results of your completed job on the same content (same decoded streams) that computed "
            "the same capabilities with the same options; the job is then charged its ingestion only"
        ),
    )
    metadata: (
        dict[
            Annotated[str, AfterValidator(refuse_unsafe_text)],
            Annotated[str, Field(max_length=catalog.MAX_METADATA_VALUE_LENGTH), AfterValidator(refuse_unsafe_text)],
        ]
        | None
    ) = Field(
        default=None,
        max_length=catalog.MAX_METADATA_KEYS,
        description="Small string map echoed back on the job",
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if (value is None) == (info.data.get("upload_id") is None):
            raise PydanticCustomError("one_source", "give exactly one of url and upload_id")
        return None if value is None else check_url_syntax(value, field="url")

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        return None if value is None else check_url_syntax(value, field="webhook_url")

    @field_validator("capabilities")
    @classmethod
    def _check_capabilities(cls, value: list[str]) -> list[str]:
        supported = capabilities.names()
        unknown = [c for c in value if c not in supported]
        if unknown:
            raise PydanticCustomError(
                "unsupported_capability",
                "unsupported capabilities: {unknown}; supported: {supported}",
                {"unknown": ", ".join(unknown), "supported": ", ".join(supported)},
            )
        if len(set(value)) != len(value):
            raise PydanticCustomError("duplicate_items", "capabilities must be unique")
        return value

    @field_validator("options", mode="before")
    @classmethod
    def _options_of_every_requested_capability(cls, value: Any, info: ValidationInfo) -> Any:
        # A requested capability's options left out are validated as {}: one whose options model
        # refuses {} (extract needs a prompt or a schema) is a 400 naming options.<capability>
        # here, not a failure after ingestion.
        if value is not None and not isinstance(value, dict):
            return value  # the field's type says what is wrong with it
        given = dict(value or {})
        for name in info.data.get("capabilities") or ():
            if given.get(name) is None:
                given[name] = {}
        return given

    @field_validator("options")
    @classmethod
    def _options_by_capability(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # Each capability's options by its own model: JobOptions narrowed to the capabilities
        # named, so a name that is none is refused as JobOptions refuses it (extra_forbidden).
        if value is None:
            return None
        supported = capabilities.names()
        options = _options_model(sorted(name for name in value if name in supported)).model_validate(value)
        return {name: given for name in type(options).model_fields if (given := getattr(options, name)) is not None}

    @model_validator(mode="after")
    def _options_of_requested_capabilities(self) -> CreateJobRequest:
        given = set(self.options or {})
        stray = sorted(given - set(self.capabilities))
        if stray:
            raise PydanticCustomError(
                "options_without_capability",
                "options given for capabilities not requested: {stray}",
                {"stray": ", ".join(stray)},
            )
        # return_proof is the older spelling of options.brands.return_proof: both are kept
        # equal, so either spelling gives the same job (and the same idempotency fingerprint).
        brands = (self.options or {}).get("brands")
        if "brands" in self.capabilities and (self.return_proof or (brands is not None and brands.return_proof)):
            kept = brands.model_dump() if brands is not None else {}  # the other brands options stay
            proving = capabilities.get("brands").options(**{**kept, "return_proof": True})
            self.options = {**(self.options or {}), "brands": proving}
            self.return_proof = True
        return self

    def capability_options(self) -> dict[str, dict[str, Any]]:
        """Every requested capability's options, defaults filled in, as JSON."""
        given = {name: options.model_dump(mode="json") for name, options in (self.options or {}).items()}
        return {
            name: capabilities.get(name).options.model_validate(given.get(name) or {}).model_dump(mode="json")
            for name in self.capabilities
        }

    def second_media_uploads(self) -> list[str]:
        """The uploads the options name as capabilities' second media (a style's template), each
        once, apart from the job's own upload."""
        named = (capabilities.get(name).second_media_of(options) for name, options in self.capability_options().items())
        ids = [media.upload_id for media in named if media is not None and media.upload_id is not None]
        return [upload_id for upload_id in dict.fromkeys(ids) if upload_id != self.upload_id]

    def idempotency_document(self) -> dict[str, Any]:
        """What makes two requests the same request: the body with its options as the job will
        run them. Options left at their defaults are left out, and return_proof (the older
        spelling of options.brands.return_proof) stands for itself, so ``"options": {}``, no
        options and every spelling of one choice are the same request, as they were before
        options existed."""
        document = self.model_dump(mode="json", exclude={"options"})
        chosen = {
            name: {
                option: value
                for option, value in values.items()
                if value != capabilities.get(name).defaults().model_dump(mode="json").get(option)
                and (name, option) != ("brands", "return_proof")
            }
            for name, values in self.capability_options().items()
        }
        if any(chosen.values()):
            document["options"] = {name: values for name, values in chosen.items() if values}
        return document

    @field_validator("metadata")
    @classmethod
    def _check_metadata_keys(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for key in value or {}:
            if not 1 <= len(key) <= catalog.MAX_METADATA_KEY_LENGTH:
                raise PydanticCustomError(
                    "metadata_key",
                    "metadata keys must be 1 to {limit} characters",
                    {"limit": catalog.MAX_METADATA_KEY_LENGTH},
                )
        return value
