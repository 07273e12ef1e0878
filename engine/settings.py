"""Runtime settings, read from `RISKDESK_*` environment variables (and a `.env` file) at startup."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RISKDESK_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./riskdesk.db"
    secret_key: str = Field(default="change-me-in-production", repr=False)
    base_currency: str = "CNY"
    timezone: str = "UTC"
    sweep_interval_seconds: int = 5
    claim_expiry_seconds: int = 300

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def get_settings() -> Settings:
    """Settings as the environment says now; call at startup, pass the result down."""
    return Settings()
