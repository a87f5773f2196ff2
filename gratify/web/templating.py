"""Jinja2 templates: the environment, its helpers, and `render`.

Templates live in the repository's top-level ``templates/`` folder, which the wheel
carries as ``gratify/templates/``. Every page is rendered with ``request``, ``language``
and ``settings`` in its context; ``_()``/``ngettext()``, ``{% trans %}``, ``static_url()``,
``url_path()`` and the ``date``, ``number`` and ``rupiah`` filters are always available.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

import gratify
from gratify.settings import Settings
from gratify.web.formatting import format_date, format_number, format_rupiah
from gratify.web.i18n import active_translations, current_language
from gratify.web.static import static_url


def templates_dir() -> Path:
    """``gratify/templates`` inside an installed wheel, else the checkout's ``templates/``."""
    package = Path(gratify.__file__).resolve().parent
    inside = package / "templates"
    return inside if inside.is_dir() else package.parent / "templates"


def _gettext(message: str) -> str:
    # Jinja's new-style gettext does the %-formatting (and escapes the values) itself.
    return active_translations().gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return active_translations().ngettext(singular, plural, n)


@jinja2.pass_context
def _url_path(context: Mapping[str, Any], name: str, /, **path_params: Any) -> str:
    # A path, not an absolute URL: links never depend on the request's Host header.
    request: Request = context["request"]
    return str(request.app.url_path_for(name, **path_params))


def create_environment(directory: Path | None = None) -> jinja2.Environment:
    """The project's Jinja2 environment, loading from `directory` (default `templates_dir`)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory or templates_dir()),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the release; checking their mtime on each render is waste.
        auto_reload=False,
    )
    # Lets {% trans %} blocks wrap over several lines; `catalogue` extracts the same way.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    env.globals["static_url"] = static_url
    env.globals["url_path"] = _url_path
    env.filters["date"] = format_date
    env.filters["number"] = format_number
    env.filters["rupiah"] = format_rupiah
    return env


class Templates:
    """Renders pages; one per app, at ``app.state.templates``."""

    def __init__(self, settings: Settings, directory: Path | None = None) -> None:
        self.settings = settings
        self.env = create_environment(directory)

    def render(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """Template `name` rendered with `context` plus ``request``, ``language``, ``settings``."""
        full = {
            "request": request,
            "language": current_language(),
            "settings": self.settings,
            **(context or {}),
        }
        html = self.env.get_template(name).render(full)
        return HTMLResponse(html, status_code=status_code, headers=headers)


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render template `name` with the app's `Templates`: what views call."""
    templates: Templates = request.app.state.templates
    return templates.render(request, name, context, status_code=status_code, headers=headers)
