"""Runtime configuration, read once from the environment into a typed model."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a function needs from its environment, validated at first use."""

    model_config = SettingsConfigDict(env_prefix="VIDSCOPE_", extra="ignore")

    table_name: str = "vidscope"
    bucket_name: str = "vidscope-media"
    state_machine_arn: str | None = None
    aws_endpoint_url: str | None = None
    # Signs pagination cursors. Deployed stacks inject it from Secrets Manager; the default only
    # serves local runs and tests, where a forged cursor harms nothing.
    cursor_secret: str = Field(default="local-development-cursor-secret", min_length=16)
    # DESIGN §7: loopback media/webhook URLs are allowed only in local and test settings.
    allow_loopback_urls: bool = False
    service_name: str = "vidscope"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
