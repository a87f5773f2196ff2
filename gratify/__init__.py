"""gratify: gratification reports, anonymous whistleblowing and broker reports."""

from __future__ import annotations

__version__ = "0.1.0"
