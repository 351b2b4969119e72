"""Comments and follows (object and field api names are a contract with API clients).

A comment is about one record of any object, standard or custom: ``object_name`` names the object and ``record_id``
the record. ``record_id`` carries the engine's ``record_of`` option, so the access policy reads a comment exactly
when its record is readable (decisions/0013); a comment about no record is a post to colleagues. A follow is one
user's subscription to one record, private to them (not even their manager reads it).
"""

from __future__ import annotations

from dataclasses import replace

from huitong.engine.meta.declare import field, standard_object

MODULE = "collaboration"
BODY_LENGTH = 4000
SUMMARY_LENGTH = 60

comment = replace(
    standard_object(
        "comment", "Comment", "评论",
        [
            field("summary", "text", "Summary", "摘要", max_length=255),  # the body's first words, filled in
            # Plain text; "@name" marks a mention, resolved to ``mentions`` when saved (mentions.py).
            field("body", "long_text", "Comment", "评论内容", required=True, max_length=BODY_LENGTH),
            field("object_name", "text", "Object", "对象", max_length=64, indexed=True, searchable=False),
            field("record_id", "integer", "Record", "记录", indexed=True, record_of="object_name"),
            # The mentioned users' ids, comma separated ("12,57"), kept by the hooks from the body.
            field("mentions", "text", "Mentioned", "提及的人", max_length=1000, searchable=False),
            field("parent", "lookup", "Reply to", "回复", target="comment"),
        ],
        module=MODULE,
        title_field="summary",
    ),
    # Posts (comments about no record) are read by the author's department and managers (the policy widens this
    # for record_of objects); no one else's by default, through the hierarchy or otherwise.
    options={"sharing_default": {"access": "private", "grant_via_hierarchy": False}},
)  # fmt: skip

follow = replace(
    standard_object(
        "follow", "Follow", "关注",
        [
            field("object_name", "text", "Object", "对象", required=True, max_length=64, indexed=True,
                  searchable=False),
            field("record_id", "integer", "Record", "记录", required=True, indexed=True),
            # Unfollowing clears it (the follow is kept, not deleted, so the recycle bin does not fill with them).
            field("active", "boolean", "Following", "关注中", default=True),
        ],
        module=MODULE,
        title_field="object_name",
    ),
    options={"sharing_default": {"access": "private", "grant_via_hierarchy": False}},
)  # fmt: skip

OBJECTS = [comment, follow]
# Objects whose records get no comments, follows or timeline entries of this module (they are its own).
OWN = frozenset(obj.name for obj in OBJECTS)
