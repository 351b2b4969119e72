"""Events roll up once they have happened: a meeting planned last week is a contact when it is over, though nobody
edits it then. A periodic job looks at the events that ended (or, without an end, started) in the last day and rolls
each up as the system; the roll-up only moves forward, so running twice (two workers, a retry) changes nothing."""

from __future__ import annotations

from datetime import timedelta

from huitong.engine.platform import Platform
from huitong.engine.query.listing import Listing
from huitong.modules.activities.home import iso
from huitong.modules.activities.objects import RELATIONS
from huitong.modules.activities.rollup import roll_up_activity

LOOK_BACK = timedelta(days=1)
BATCH = 500


def run(platform: Platform) -> int:
    keeper = platform.job_actor("past events")
    if keeper is None:
        return 0
    now = platform.now()
    since, until = iso(now - LOOK_BACK), iso(now)
    ended = {"or": [
        {"field": "end_at", "op": "between", "value": [since, until]},
        {"and": [{"field": "end_at", "op": "is_null", "value": True},
                 {"field": "start_at", "op": "between", "value": [since, until]}]},
    ]}  # fmt: skip
    fields = ["id", "start_at", "end_at", "check_in_at", *RELATIONS]
    moved = 0
    with platform.records.transaction(keeper) as context:
        request = {"filter": ended, "fields": fields, "sort": ["id"], "limit": BATCH}
        listing = Listing(context.schema, context.schema.object("event"), context.actor, platform.access,
                          platform.filter_env(), request)  # fmt: skip
        for event in listing.run(context.connection)["records"]:
            moved += roll_up_activity(context, "event", dict(event))
    return moved
