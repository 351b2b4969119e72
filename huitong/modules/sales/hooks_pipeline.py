"""The sales module's pipeline hooks on the record write path."""

from __future__ import annotations

from huitong.engine.records.context import Hooks


def install(hooks: Hooks) -> None:
    """Register this part's hooks (none yet)."""
