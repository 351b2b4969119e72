"""Collaboration: comments with @mentions on any record, following records, and the work circle feed (issue 6,
COL-1; docs/collaboration.md, decisions/0013).

Comments join every record's timeline through ``Module.timeline_sources``; the record's page shows the comment box
and the follow button above it. Depends on no other module.
"""

from __future__ import annotations

from pathlib import Path

from huitong.engine.platform import Module, Screen, TimelineSource
from huitong.modules.collaboration import api, comments, entries, pages
from huitong.modules.collaboration.objects import OBJECTS

module = Module(
    name="collaboration",
    label={"en": "Collaboration", "zh_CN": "协作"},
    objects=OBJECTS,
    install_hooks=comments.install,
    routers=[api.api, pages.pages],
    templates=Path(__file__).resolve().parent / "templates",
    sidebar=["comment"],  # every comment the user may read; follows are read on the records and in the feed
    screens=[Screen({"en": "Work circle", "zh_CN": "工作圈"}, "/collaboration/feed", "comment")],
    timeline_sources=[
        TimelineSource("comment", {"en": "Comments", "zh_CN": "评论"}, entries.entries, composer=entries.composer)
    ],
)
