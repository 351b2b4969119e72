"""The sales module's customers routes (API and pages)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
