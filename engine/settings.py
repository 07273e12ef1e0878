"""Runtime settings, read from `RISKDESK_*` environment variables (and a `.env` file) at startup."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.keys import InstanceKeys, load_keys


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RISKDESK_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./riskdesk.db"
    # No key is built in (engine.keys): unset, each comes from the instance's keys file.
    secret_key: str | None = Field(default=None, repr=False)
    audit_key: str | None = Field(default=None, repr=False)
    data_key: str | None = Field(default=None, repr=False)
    keys_file: str | None = None
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


def instance_keys(settings: Settings, *, create: bool = False) -> InstanceKeys:
    """The keys of the instance `settings` describe (engine.keys); with `create`, a missing keys
    file is generated. Raises KeysError."""
    return load_keys(
        database_url=settings.database_url,
        keys_file=settings.keys_file,
        secret_key=settings.secret_key,
        audit_key=settings.audit_key,
        data_key=settings.data_key,
        create=create,
    )
