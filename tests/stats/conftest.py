"""Fixtures of the statistics tests: those of the case tests (actors)."""

from __future__ import annotations

from tests.cases.conftest import actor

__all__ = ["actor"]
