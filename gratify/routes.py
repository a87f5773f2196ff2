"""Every URL of the site, its endpoint and who may call it: the one map.

Add a route as one row in the table below, with who may call it in the last column:
``anyone``, ``reporter`` (holds a receipt), ``handler``, ``supervisor``, ``admin``,
``auditor``. Access itself is enforced by the endpoint; this column is the map.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from gratify.intake import api, checker
from gratify.settings import Settings
from gratify.web import pages
from gratify.web.static import STATIC_DIR

GET = ("GET",)
POST = ("POST",)


def routes(settings: Settings) -> list[BaseRoute]:
    """The site's routes, in matching order."""
    # fmt: off
    return [
        # path             endpoint               methods       name                       who
        Route("/",         pages.landing,         methods=GET,  name="landing"),          # anyone
        Route("/language", pages.switch_language, methods=POST, name="switch_language"),  # anyone
        Route("/healthz",  pages.healthz,         methods=GET,  name="healthz"),          # anyone
        Route("/lapor/{tenant}/gratifikasi/cek", checker.check_gift,
              methods=("GET", "POST"), name="gift_checker"),                            # anyone
        Mount("/static",   StaticFiles(directory=STATIC_DIR),   name="static"),           # anyone
        # The reporter's JSON API (API.md)
        Route("/api/v1/tenants", api.tenants, methods=GET, name="api_tenants"),        # anyone
        Route("/api/v1/tenants/{tenant}/forms", api.forms, methods=GET,
              name="api_forms"),                                                      # anyone
        Route("/api/v1/tenants/{tenant}/reports", api.submit, methods=POST,
              name="api_submit"),                                                     # anyone
        Route("/api/v1/inbox/session", api.inbox_session, methods=POST,
              name="api_inbox_session"),                                   # receipt holder
        Route("/api/v1/inbox/session", api.end_inbox_session, methods=("DELETE",),
              name="api_inbox_logout"),                                          # reporter
        Route("/api/v1/inbox", api.inbox, methods=GET, name="api_inbox"),               # reporter
        Route("/api/v1/inbox/messages", api.inbox_message, methods=POST,
              name="api_inbox_message"),                                          # reporter
        Route("/api/v1/receipts/verify", api.verify_receipt, methods=POST,
              name="api_verify_receipt"),                                         # anyone
    ]
    # fmt: on
