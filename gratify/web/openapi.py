"""The OpenAPI document of ``/api/v1`` (API.md), served at ``/api/v1/openapi.json``.

Written by hand next to the routes, not generated: it is a contract with other systems.
A test checks that every ``/api/v1`` route is in it and that it is valid OpenAPI 3.1.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gratify import __version__


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_REF = "#/components/schemas/"
_TENANT = {"name": "tenant", "in": "path", "required": True, "schema": {"type": "string"}}
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "Language of error messages: id (default) or en.",
    "schema": {"type": "string"},
}


def _case_op(
    summary: str,
    responses: dict[str, Any],
    *,
    body: bool = False,
    extra: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An operation on one case: bearer auth, the case id, and 404 for a case not yours."""
    operation: dict[str, Any] = {
        "summary": summary,
        "security": _BEARER,
        "parameters": [
            {"name": "case_id", "in": "path", "required": True, "schema": {"type": "string"}},
            *(extra or []),
        ],
        "responses": {
            **responses,
            "401": _error("No session"),
            "404": _error("No such case, or not yours (the same answer)"),
        },
    }
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
        operation["responses"]["422"] = _error("Invalid; error.fields names each")
    return operation


def _stats_op(summary: str, *, tenant: bool = False, csv: bool = False) -> dict[str, Any]:
    """A statistics read: the period as ``from``/``to`` (YYYY-MM), public, cacheable."""
    month = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"}
    parameters: list[dict[str, Any]] = [
        {"name": "from", "in": "query", "required": False, "schema": month,
         "description": "First month; default 11 months before `to`."},
        {"name": "to", "in": "query", "required": False, "schema": month,
         "description": "Last month, at most the last complete one (the default)."},
        _LANGUAGE,
    ]  # fmt: skip
    if tenant:
        parameters.insert(0, _TENANT)
    if csv:
        parameters.append(
            {"name": "table", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "cells (default) or another table of the JSON document"}
        )  # fmt: skip
        ok = {"description": "CSV, header row first; a withheld count is empty",
              "content": {"text/csv": {"schema": {"type": "string"}}}}  # fmt: skip
    else:
        ok = _json({"$ref": _REF + "Stats"})
    responses = {"200": ok, "304": {"description": "Not modified (ETag)"}}
    responses["422"] = _error("Bad month, or the first month after the last")
    if tenant:
        responses["404"] = _error("No tenant")
    return {"summary": summary, "parameters": parameters, "responses": responses}


_COUNT = {"type": ["integer", "null"], "description": "null: withheld (below k)"}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "gratify",
        "version": __version__,
        "description": "Gratification reports, anonymous whistleblowing and broker reports. "
        "Errors are {error: {code, message}} in the language of Accept-Language.",
    },
    "paths": {
        "/api/v1/tenants": {
            "get": {
                "summary": "Tenants with their agencies and services",
                "responses": {"200": _json({"type": "array", "items": {"$ref": _REF + "Tenant"}})},
            }
        },
        "/api/v1/tenants/{tenant}/forms": {
            "get": {
                "summary": "The report kinds and their fields",
                "parameters": [_TENANT],
                "responses": {"200": _json({"$ref": _REF + "Forms"}), "404": _error("No tenant")},
            }
        },
        "/api/v1/tenants/{tenant}/stats": {
            "get": _stats_op("A tenant's public statistics (docs/statistics.md)", tenant=True)
        },
        "/api/v1/tenants/{tenant}/stats.csv": {
            "get": _stats_op("One table of a tenant's statistics as CSV", tenant=True, csv=True)
        },
        "/api/v1/inbox/rating": {
            "post": {
                "summary": "Rate the handling of the reporter's closed case (1-5 each)",
                "security": _BEARER,
                "parameters": [_LANGUAGE],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": _REF + "Rating"}}},
                },
                "responses": {
                    "204": {"description": "Saved (a new rating replaces the old one)"},
                    "401": _error("No session"),
                    "409": _error("The case is not closed yet"),
                    "422": _error("A score is not a whole number from 1 to 5"),
                },
            },
            "get": {
                "summary": "The reporter's own rating of their case",
                "security": _BEARER,
                "responses": {
                    "200": _json({"$ref": _REF + "Rating"}),
                    "401": _error("No session"),
                    "404": _error("Not rated yet"),
                },
            },
        },
        "/api/v1/stats": {"get": _stats_op("The installation's public statistics")},
        "/api/v1/stats.csv": {
            "get": _stats_op("One table of the installation's statistics as CSV", csv=True)
        },
        "/api/v1/tenants/{tenant}/reports": {
            "post": {
                "summary": "File a report",
                "parameters": [_TENANT, _LANGUAGE],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": _REF + "Report"}},
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["report"],
                                "properties": {
                                    "report": {"type": "string", "description": "Report JSON"},
                                    "attachments": {
                                        "type": "array",
                                        "items": {"type": "string", "format": "binary"},
                                    },
                                },
                            }
                        },
                    },
                },
                "responses": {
                    "201": _json({"$ref": _REF + "Filed"}, "Filed"),
                    "400": _error("Malformed request"),
                    "404": _error("No tenant"),
                    "413": _error("Too large"),
                    "415": _error("Unsupported media type or file type"),
                    "422": _error("Invalid answers; error.fields names each"),
                },
            }
        },
        "/api/v1/inbox/session": {
            "post": {
                "summary": "Open the reporter's inbox with the receipt",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["tenant", "receipt"],
                                "properties": {
                                    "tenant": {"type": "string"},
                                    "receipt": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "token": {"type": "string"},
                                "expires_at": {"type": "string", "format": "date-time"},
                            },
                        }
                    ),
                    "401": _error("Wrong receipt (the same whether or not it exists)"),
                    "429": _error("Too many wrong receipts; see Retry-After"),
                },
            },
            "delete": {
                "summary": "Close the inbox session",
                "security": _BEARER,
                "responses": {"204": {"description": "Closed"}, "401": _error("No session")},
            },
        },
        "/api/v1/inbox": {
            "get": {
                "summary": "The reporter's case",
                "security": _BEARER,
                "responses": {
                    "200": _json({"$ref": _REF + "Inbox"}),
                    "401": _error("No session"),
                },
            }
        },
        "/api/v1/inbox/messages": {
            "post": {
                "summary": "The reporter answers",
                "security": _BEARER,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["body"],
                                "properties": {"body": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {
                    "201": {"description": "Sent"},
                    "401": _error("No session"),
                    "422": _error("Empty or too long"),
                },
            }
        },
        "/api/v1/receipts/verify": {
            "post": {
                "summary": "Check a signed acknowledgement",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["valid"],
                            "properties": {"valid": {"type": "boolean"}},
                        }
                    )
                },
            }
        },
        "/api/v1/session": {
            "post": {
                "summary": "A handler signs in with password and TOTP code",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["tenant", "username", "password", "totp"],
                                "properties": {
                                    "tenant": {"type": "string"},
                                    "username": {"type": "string"},
                                    "password": {"type": "string"},
                                    "totp": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "token": {"type": "string"},
                                "expires_at": {"type": "string", "format": "date-time"},
                            },
                        }
                    ),
                    "401": _error("Wrong username, password or code (always the same)"),
                    "429": _error("Too many failures for this account; see Retry-After"),
                },
            },
            "get": {
                "summary": "The signed-in handler",
                "security": _BEARER,
                "responses": {"200": _json({"type": "object"}), "401": _error("No session")},
            },
            "delete": {
                "summary": "Sign out",
                "security": _BEARER,
                "responses": {"204": {"description": "Signed out"}, "401": _error("No session")},
            },
        },
        "/api/v1/cases": {
            "get": {
                "summary": "The handler's inbox: metadata only",
                "security": _BEARER,
                "parameters": [
                    {"name": n, "in": "query", "required": False, "schema": {"type": t}}
                    for n, t in (
                        ("status", "string"),
                        ("kind", "string"),
                        ("agency", "string"),
                        ("overdue", "boolean"),
                        ("sort", "string"),
                        ("page", "integer"),
                        ("per_page", "integer"),
                    )
                ],
                "responses": {"200": _json({"type": "object"}), "401": _error("No session")},
            }
        },
        "/api/v1/cases/{case_id}": {
            "get": _case_op("The case decrypted (audited)", {"200": _json({"type": "object"})})
        },
        "/api/v1/cases/{case_id}/transitions": {
            "post": _case_op(
                "Move the case a step: {to, reason, outcome?, decision_number?, "
                "decision_date?, closing_reason?}",
                {"200": _json({"type": "object"}), "409": _error("Not allowed from here")},
                body=True,
            )
        },
        "/api/v1/cases/{case_id}/messages": {
            "post": _case_op(
                "Write to the reporter: {body}", {"201": {"description": "Sent"}}, body=True
            )
        },
        "/api/v1/cases/{case_id}/notes": {
            "post": _case_op(
                "An internal note: {body}", {"201": {"description": "Noted"}}, body=True
            )
        },
        "/api/v1/cases/{case_id}/assignment": {
            "post": _case_op("Assign: {username}", {"200": _json({"type": "object"})}, body=True)
        },
        "/api/v1/cases/{case_id}/holders": {
            "get": _case_op("Who can read the case", {"200": _json({"type": "array"})})
        },
        "/api/v1/cases/{case_id}/grants": {
            "post": _case_op(
                "Grant access: {username}", {"201": {"description": "Granted"}}, body=True
            )
        },
        "/api/v1/cases/{case_id}/grants/{username}": {
            "delete": _case_op(
                "Revoke access (supervisors)",
                {"204": {"description": "Revoked"}},
                extra=[
                    {
                        "name": "username",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
            )
        },
        "/api/v1/cases/{case_id}/conflict": {
            "post": _case_op(
                "Declare a conflict of interest and hand the case back",
                {"204": {"description": "Handed back"}},
            )
        },
        "/api/v1/cases/{case_id}/attachments/{attachment_id}": {
            "get": _case_op(
                "The file, decrypted",
                {
                    "200": {
                        "description": "The file",
                        "content": {
                            "application/octet-stream": {
                                "schema": {"type": "string", "format": "binary"}
                            }
                        },
                    }
                },
                extra=[
                    {
                        "name": "attachment_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
            )
        },
        "/api/v1/audit": {
            "get": {
                "summary": "The audit trail of the caller's tenant, newest first (auditor, "
                "supervisor)",
                "security": _BEARER,
                "parameters": [
                    {"name": n, "in": "query", "required": False, "schema": {"type": t}}
                    for n, t in (
                        ("case", "string"),
                        ("event", "string"),
                        ("page", "integer"),
                        ("per_page", "integer"),
                    )
                ],
                "responses": {
                    "200": _json({"type": "object"}),
                    "401": _error("No session"),
                    "404": _error("Not for this role"),
                    "422": _error("Bad query"),
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {"summary": "This document", "responses": {"200": _json({"type": "object"})}}
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Rating": {
                "type": "object",
                "required": ["handling", "clarity"],
                "properties": {
                    "handling": {"type": "integer", "minimum": 1, "maximum": 5},
                    "clarity": {"type": "integer", "minimum": 1, "maximum": 5},
                },
            },
            "Stats": {
                "type": "object",
                "required": ["tenant", "from", "to", "suppressed_below", "cells"],
                "properties": {
                    "tenant": {"type": ["string", "null"]},
                    "from": {"type": "string"},
                    "to": {"type": "string"},
                    "suppressed_below": {"type": "integer"},
                    "licence": {"type": "string"},
                    "total": _COUNT,
                    "cells": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "tenant": {"type": "string"},
                                "kind": {"type": "string"},
                                "agency": {"type": "string"},
                                "month": {"type": "string"},
                                "status": {"type": "string"},
                                "count": _COUNT,
                            },
                        },
                    },
                    "indicators": {"type": "object"},
                },
                "additionalProperties": {"type": "array", "items": {"type": "object"}},
            },
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "fields": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                        },
                    }
                },
            },
            "Tenant": {
                "type": "object",
                "properties": {
                    "slug": {"type": "string"},
                    "name": {"type": "string"},
                    "agencies": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "slug": {"type": "string"},
                                "name": {"type": "string"},
                                "services": {"type": "array", "items": {"type": "object"}},
                            },
                        },
                    },
                },
            },
            "Forms": {
                "type": "object",
                "properties": {"kinds": {"type": "array", "items": {"type": "object"}}},
            },
            "Report": {
                "type": "object",
                "required": ["kind", "agency", "answers"],
                "additionalProperties": False,
                "properties": {
                    "kind": {"enum": ["gratification", "whistleblowing", "broker"]},
                    "agency": {"type": "string"},
                    "answers": {"type": "object"},
                    "excluded_handlers": {
                        "type": "array",
                        "maxItems": 20,
                        "items": {"type": "string", "maxLength": 64},
                    },
                },
            },
            "Filed": {
                "type": "object",
                "required": ["case_number", "receipt"],
                "properties": {
                    "case_number": {"type": "string"},
                    "receipt": {"type": "string"},
                    "acknowledgement": {"type": "object"},
                },
            },
            "Inbox": {
                "type": "object",
                "properties": {
                    "case_number": {"type": "string"},
                    "kind": {"type": "string"},
                    "status": {"type": "string"},
                    "answers": {"type": "object"},
                    "attachments": {"type": "array", "items": {"type": "object"}},
                    "messages": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "from": {"enum": ["reporter", "handler"]},
                                "body": {"type": "string"},
                                "at": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}


async def openapi(request: Request) -> Response:
    """``GET /api/v1/openapi.json``."""
    return JSONResponse(DOCUMENT, headers={"Cache-Control": "public, max-age=300"})
