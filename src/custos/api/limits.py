"""A ceiling on request bodies, checked as they stream in, so no request can fill the server's
memory before a route even looks at it.

Routes that take documents read the whole body (a pack, a scenario, an import); the largest real
one, Epoch AI's table, is under 3 MB. Past ``MAX_BODY`` the request is answered 413 with a
problem document: at once when it declares its length, otherwise as soon as the stream passes
the ceiling (the route reading it gets the 413 instead of more bytes).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from custos.api.problems import problem

MAX_BODY = 64 * 2**20


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit // 2**20} MiB"


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await problem(413, "Too large", _too_large(self.limit))(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, _too_large(self.limit))
            return message

        await self.app(scope, counted, send)
