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
        "/api/v1/openapi.json": {
            "get": {"summary": "This document", "responses": {"200": _json({"type": "object"})}}
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
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
