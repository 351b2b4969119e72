"""The work reports' pages: my reports, a new report's form prefilled with the period's numbers and activities, one
report (the author's draft as a form; otherwise read, with the manager's review box), and the team's reports of a
day or week. Plain forms with the CSRF field, so they work on a phone without any script."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import PathId, platform_of
from huitong.engine.errors import HuitongError
from huitong.engine.formatting import money
from huitong.engine.i18n import N_, _, current_locale
from huitong.engine.i18n import gettext as translated  # a msgid marked with N_ above, not a literal
from huitong.engine.platform import PagePart, Platform
from huitong.engine.web.pages import PageRoute, redirect
from huitong.engine.web.render import environment, field_label, navigation, render
from huitong.engine.web.session import PageUser, page_user
from huitong.modules.work_reports import service
from huitong.modules.work_reports.numbers import Item
from huitong.modules.work_reports.objects import DAILY, DRAFT, NUMBER_FIELDS, NUMBERS, SUBMITTED, TEXT_FIELDS
from huitong.modules.work_reports.periods import Period, period_of, read_day, read_kind
from huitong.modules.work_reports.team import team_reports

pages = APIRouter(route_class=PageRoute, include_in_schema=False)
ITEM_KINDS = {
    "call": N_("Call"), "visit": N_("Visit"), "task": N_("Task completed"), "note": N_("Follow-up note"),
    "lead": N_("New lead"), "account": N_("New account"), "new_opportunities": N_("New opportunity"),
    "opportunities_moved": N_("Opportunity moved"), "deals_won": N_("Deal won"),
}  # fmt: skip
AMOUNTS = {name for name, kind, *_rest in NUMBERS if kind == "currency"}
KEY_NUMBERS = ("calls", "visits", "tasks_completed", "new_leads", "opportunities_moved", "deals_won", "won_amount")


async def form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def show_money(value: Any) -> str:
    return "—" if value in (None, "") else money(str(value), "CNY")


def activity_lines(items: list[Item], dailies: list[dict[str, Any]]) -> list[str]:
    """What the summary can start from, as lines for the author to edit: for a week its daily reports' summaries
    ("2026-03-16: …"), then the period's activities ("通话：致电华泰采购")."""
    days = [_("%(kind)s: %(title)s") % {"kind": daily["period_start"], "title": " ".join(str(daily["summary"]).split())}
            for daily in dailies if daily.get("summary")]  # fmt: skip
    return days + [_("%(kind)s: %(title)s") % {"kind": translated(ITEM_KINDS.get(item.kind, item.kind)), "title": item.title}
            + (f" ({item.detail})" if item.detail and item.kind == "opportunities_moved" else "")
            for item in items]  # fmt: skip


def common(platform: Platform, user: PageUser, connection: Any, actor: Any, schema: Any) -> dict[str, Any]:
    definition = schema.object("work_report")
    labels = {name: field_label(found) for name, found in definition.fields.items()}
    return {"nav": navigation(platform, schema, actor), "labels": labels, "numbers": NUMBER_FIELDS,
            "amounts": AMOUNTS, "item_kinds": ITEM_KINDS, "key_numbers": KEY_NUMBERS, "texts": TEXT_FIELDS,
            "money": show_money, "activity_lines": activity_lines, "may_lead": actor.is_admin or bool(getattr(actor.security, "subordinate_ids", None))}  # fmt: skip


@pages.get("/work-reports")
def my_reports(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    with platform.records.reading_object(user.actor, "work_report") as (connection, actor, schema, _definition):
        context = {**common(platform, user, connection, actor, schema),
                   "reports": service.mine(platform, connection, actor, schema),
                   "today": service.today(platform, user.zone)}  # fmt: skip
    return render(request, "work_reports_list.html", context, user=user)


@pages.get("/work-reports/team")
def team_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    kind = read_kind(request.query_params.get("kind"))
    day = read_day(request.query_params.get("date"), service.today(platform, user.zone))
    team = team_reports(platform, user.actor, kind, day)
    with platform.records.reading_object(user.actor, "work_report") as (connection, actor, schema, _definition):
        context = {**common(platform, user, connection, actor, schema), "team": team, "kind": kind,
                   "period": team.period, "previous": team.period.previous(), "following": team.period.following()}  # fmt: skip
    return render(request, "work_reports_team.html", context, user=user)


@pages.get("/work-reports/new")
def new_report(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    kind = read_kind(request.query_params.get("kind"))
    day = read_day(request.query_params.get("date"), service.today(platform, user.zone))
    draft = service.prefill(platform, user.actor, kind, day)
    if draft.existing is not None:  # one report per period: carry on with the one already started
        return redirect(request, f"/work-reports/{draft.existing}")
    return new_form(request, user, draft.period, {}, [])


def new_form(request: Request, user: PageUser, period: Period, written: dict[str, Any],
             errors: list[str], status: int = 200) -> Response:  # fmt: skip
    platform = platform_of(request)
    draft = service.prefill(platform, user.actor, period.kind, period.start)
    with platform.records.reading_object(user.actor, "work_report") as (connection, actor, schema, _definition):
        context = {**common(platform, user, connection, actor, schema), "report": None, "period": period,
                   "tally": draft.tally, "written": written, "errors": errors, "editable": True,
                   "comments": [], "names": {},
                   "dailies": service.dailies(platform, connection, actor, schema, actor.user_id, period)}  # fmt: skip
    return render(request, "work_reports_report.html", context, user=user, status=status)


@pages.post("/work-reports/new")
async def create_report(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    form = await form_of(request)
    kind = read_kind(form.get("kind"))
    period = period_of(kind, read_day(form.get("date"), service.today(platform, user.zone)))
    try:
        report_id = await run_in_threadpool(service.create, platform, user.actor, kind, period.start, form,
                                            form.get("action") == "submit")  # fmt: skip
    except HuitongError as error:
        if error.status != 422 and error.status != 400:
            raise
        return new_form(request, user, period, form, messages(error), status=error.status)
    return redirect(request, f"/work-reports/{report_id}")


@pages.get("/work-reports/{report_id}")
def report_page(report_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    return show_report(request, user, report_id, {}, [])


def show_report(request: Request, user: PageUser, report_id: int, written: dict[str, Any], errors: list[str],
                status: int = 200) -> Response:  # fmt: skip
    platform = platform_of(request)
    with platform.records.reading_object(user.actor, "work_report") as (connection, actor, schema, _definition):
        shown = service.show(platform, connection, actor, schema, report_id)
        report = shown.report
        mine = int(report["owner"]) == actor.user_id
        context = {**common(platform, user, connection, actor, schema), "report": report, "period": shown.period,
                   "tally": shown.tally, "comments": shown.comments, "names": shown.names, "mine": mine,
                   "editable": mine and report["status"] == DRAFT, "written": written or report, "errors": errors,
                   "may_comment": report["status"] == SUBMITTED and (not mine or bool(shown.comments)),
                   "dailies": service.dailies(platform, connection, actor, schema, int(report["owner"]),
                                              shown.period)}  # fmt: skip
    return render(request, "work_reports_report.html", context, user=user, status=status)


@pages.post("/work-reports/{report_id}")
async def save_report(report_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    form = await form_of(request)
    version = int(form["version"]) if form.get("version", "").isdigit() else None
    try:
        await run_in_threadpool(service.save, platform, user.actor, report_id, form, form.get("action") == "submit",
                                version)  # fmt: skip
    except HuitongError as error:
        if error.status not in (400, 409, 422):
            raise
        return show_report(request, user, report_id, form, messages(error), status=error.status)
    return redirect(request, f"/work-reports/{report_id}")


@pages.post("/work-reports/{report_id}/comments")
async def add_comment(report_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    form = await form_of(request)
    try:
        await run_in_threadpool(service.comment, platform, user.actor, report_id, form.get("body", ""))
    except HuitongError as error:
        if error.status not in (400, 422):
            raise
        return show_report(request, user, report_id, {}, messages(error), status=error.status)
    return redirect(request, f"/work-reports/{report_id}#comments")


def messages(error: HuitongError) -> list[str]:
    return [found.message for found in error.errors] or [error.detail]


def reminder(part: PagePart) -> str | None:
    """Home: after 17:00 in the reader's zone, a reminder that today's daily report is not yet submitted."""
    definition = part.schema.objects.get("work_report")
    if definition is None or not part.platform.access.may(part.actor, definition, "create"):
        return None
    now = part.platform.now().astimezone(part.user.zone)
    if now.hour < 17:
        return None
    period = period_of(DAILY, now.date())
    try:
        found = service.find(part.platform, part.connection, part.actor, part.schema, part.actor.user_id, period)
    except HuitongError:  # a field the lookup needs is hidden from the reader: no reminder rather than no home page
        return None
    if found is not None and found.get("status") == SUBMITTED:
        return None
    folders = tuple(str(module.templates) for module in part.platform.modules if module.templates)
    template = environment(folders).get_template("work_reports_home.html")
    return template.render(request=part.request, user=part.user, locale=current_locale.get(), report=found,
                           period=period)  # fmt: skip
