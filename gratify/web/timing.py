"""``Server-Timing: app;dur=<ms>`` on every response: how long the app took to answer.

The time from the request reaching the app to the start of its response, so for a JSON
answer the whole work of the request (authentication, queries, decryption, rendering),
without the network or the HTTP server's parsing. Browsers show it in their developer
tools and `bench/inbox.py` reads it. It says nothing about the request's content or its
sender, only a duration; still, an exact server-side time removes the network jitter that
blunts a timing attack, so it is on only with ``GRATIFY_SERVER_TIMING=true``.
"""

from __future__ import annotations

import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServerTimingMiddleware:
    """Adds the app's own time to each HTTP response, as a ``Server-Timing`` header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed_ms = (time.perf_counter() - start) * 1000
                MutableHeaders(scope=message).append("Server-Timing", f"app;dur={elapsed_ms:.2f}")
            await send(message)

        await self.app(scope, receive, timed_send)
