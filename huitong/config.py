"""Settings from environment variables and an optional TOML file.

Precedence: environment (``HUITONG_*``) over the file named by ``HUITONG_CONFIG`` (or ``./huitong.toml``) over
defaults. Every setting is documented in README.md.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///./var/huitong.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = "dev-insecure-change-me"
    redis_url: str | None = None
    jobs_path: str = "./var/jobs.db"
    recycle_bin_days: int = 30
    timezone: str = "Asia/Shanghai"
    default_currency: str = "CNY"
    token_days: int | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Where the CRM is reached, for links in emails; and the SMTP server notifications are mailed through (no
    # host: no email).
    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "huitong@localhost"
    smtp_starttls: bool = False

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        config_path = Path(environ.get("HUITONG_CONFIG", "huitong.toml"))
        if config_path.is_file():
            with config_path.open("rb") as handle:
                values.update(tomllib.load(handle))
        for field in fields(cls):
            raw = environ.get("HUITONG_" + field.name.upper())
            if raw is not None:
                values[field.name] = raw
        return cls(**{name: _coerce(cls, name, value) for name, value in values.items()})


def _coerce(cls: type[Settings], name: str, value: Any) -> Any:
    declared = {field.name: field.type for field in fields(cls)}
    if name not in declared:
        raise ValueError(f"unknown setting {name!r}")
    kind = str(declared[name])
    if value in ("", None) and "None" in kind:
        return None
    if kind.startswith("bool"):
        return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")
    if kind.startswith("int"):
        return int(value)
    return value
