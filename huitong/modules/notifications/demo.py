"""Demo announcements: one to the whole company and one to the East region, written by the administrator through
the record service, so that the demo's bells, board and read receipts have something in them."""

from __future__ import annotations

from sqlalchemy import select

from huitong.engine.platform import Platform
from huitong.engine.security.tables import departments
from huitong.engine.security.users import system_actor

ANNOUNCEMENTS = [
    ("下半年销售冲刺启动", "<p>各位同事：</p><p>下半年销售冲刺今天启动，请在本周五前更新<b>商机阶段</b>和<b>预计成交日期</b>。"
     "</p><ul><li>周一例会改到 9:00</li><li>每周五提交周报</li></ul>", None),
    ("华东区客户答谢会", "<p>华东区客户答谢会定于下月 18 日在上海举行，请各位邀请重点客户并在系统中登记。</p>", "华东区"),
]  # fmt: skip


def load_notifications_demo(platform: Platform) -> int:
    """The demo announcements (published: their audiences are notified); returns how many were written."""
    with platform.db.read() as connection:
        keeper = system_actor(connection)
        named = {row.name: int(row.id) for row in connection.execute(select(departments.c.id, departments.c.name))}
    if keeper is None:
        return 0
    written = 0
    with platform.records.transaction(keeper) as context:
        for title, body, department in ANNOUNCEMENTS:
            if department is not None and department not in named:
                continue
            values = {"title": title, "body": body, "audience": "company"}
            if department is not None:
                values |= {"audience": "departments", "departments": str(named[department])}
            platform.records.create_in(context, "announcement", values)
            written += 1
    return written
