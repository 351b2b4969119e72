"""The composition root: the platform with every module of the product. The one place that knows both."""

from __future__ import annotations

from fastapi import FastAPI

from huitong.config import Settings
from huitong.engine.api.app import create_app
from huitong.engine.platform import Platform
from huitong.modules import MODULES


def build_platform(settings: Settings | None = None) -> Platform:
    return Platform(settings or Settings.load(), MODULES)


def asgi() -> FastAPI:
    """Factory for ``uvicorn --factory huitong.app:asgi`` (each worker process builds its own platform)."""
    return create_app(build_platform())
