"""Collaboration: comments with @mentions on any record, following records, and the work circle feed (issue 6)."""

from __future__ import annotations

from huitong.engine.platform import Module

module = Module(name="collaboration", label={"en": "Collaboration", "zh_CN": "协作"})
