"""The sales module's pipeline routes (API and pages)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
