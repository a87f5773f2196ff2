"""What the Content-Security-Policy would block, found in HTML: inline script and style."""

from __future__ import annotations

from html.parser import HTMLParser


class InlineCodeFinder(HTMLParser):
    """Collects what the Content-Security-Policy would block: inline script and style."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style> element")
        if "style" in names:
            self.problems.append(f"style= on <{tag}>")
        self.problems.extend(f"{name}= on <{tag}>" for name in names if name.startswith("on"))
        for name, value in attrs:
            if (
                name in ("href", "src", "action")
                and value
                and value.lower().startswith("javascript:")
            ):
                self.problems.append(f"javascript: URL on <{tag}>")


def inline_code(html: str) -> list[str]:
    """Every inline script or style in `html`; empty when the CSP would block nothing."""
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems
