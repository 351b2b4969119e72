"""What every page route shares: errors as pages (never JSON, never a 500 for bad input) and sign-in redirects."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse, Response

from huitong.engine.errors import HuitongError
from huitong.engine.i18n import _
from huitong.engine.web.render import render


def redirect(request: Request, url: str) -> Response:
    """A redirect that htmx follows as a whole-page navigation too."""
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    """Only a path on this site: an absolute or protocol-relative address would make sign-in an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class PageRoute(APIRoute):
    """A page: a HuitongError becomes an error page in the user's language; a missing session, the sign-in page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except HuitongError as error:
                if error.status == 401:
                    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return redirect(request, f"/login?next={quote(back)}")
                return error_page(request, error)

        return page_handler


def error_page(request: Request, error: HuitongError) -> Response:
    titles = {
        403: _("You do not have access to this."),
        404: _("This page does not exist, or you may not see it."),
        409: _("Someone else changed this in the meantime."),
    }
    return render(
        request,
        "error.html",
        {"title": titles.get(error.status, error.title()), "detail": error.detail, "nav": []},
        status=error.status,
    )
