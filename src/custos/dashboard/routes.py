"""The dashboard's pages and assets, served by the app itself (no CDN: it works offline).

``/`` is the dashboard (sign in with an API token); ``/portal`` is the public transparency
portal, the same pages that are open to the public, never sending a token. The pages carry no
data: they load it from the API as the visitor, so they show exactly what the API would.
A strict Content-Security-Policy allows scripts, styles and images from this origin only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, HTMLResponse, Response

from custos.access.model import Principal, Role
from custos.access.permissions import ROLE_PERMISSIONS, Permission
from custos.api.auth import require
from custos.core.errors import NotFound

STATIC = Path(__file__).resolve().parent / "static"
FAVICON = STATIC / "favicon.svg"
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
# What a visitor without a token may do: the pages build the public's navigation from it, so
# the portal never offers a page the API would refuse, and there is no second list to drift.
PUBLIC_PERMISSIONS = " ".join(sorted(ROLE_PERMISSIONS[Role.PUBLIC]))

router = APIRouter(include_in_schema=False)
Visitor = Annotated[Principal, Depends(require(Permission.DASHBOARD_VIEW))]


def _page(mode: str) -> HTMLResponse:
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    html = html.replace("{{mode}}", mode).replace("{{public_permissions}}", PUBLIC_PERMISSIONS)
    return HTMLResponse(html, headers=SECURITY_HEADERS)


@router.get("/")
def dashboard(_: Visitor) -> HTMLResponse:
    return _page("dashboard")


@router.get("/portal")
def portal(_: Visitor) -> HTMLResponse:
    return _page("portal")


@router.get("/favicon.ico")
def favicon(_: Visitor) -> FileResponse:
    """The icon at the address browsers and feed readers try when a page names none."""
    return FileResponse(FAVICON, media_type=MEDIA_TYPES[".svg"], headers=SECURITY_HEADERS)


@router.get("/static/{name:path}")
def asset(name: str, _: Visitor) -> Response:
    """A file of the dashboard; nothing outside the static folder, and only scripts, styles, images."""
    path = (STATIC / name).resolve()
    if not path.is_relative_to(STATIC) or not path.is_file() or path.suffix not in MEDIA_TYPES:
        raise NotFound(f"no dashboard file {name!r}")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=SECURITY_HEADERS)
