"""The complete metadata: every room's tables, for migrations and tests."""

from __future__ import annotations

from sqlalchemy import MetaData

from gratify.db.base import Base


def all_metadata() -> MetaData:
    """Import every room's models so that `Base.metadata` knows all tables, and return it."""
    import gratify.accounts.models
    import gratify.audit.models
    import gratify.cases.models
    import gratify.intake.models
    import gratify.notify.models
    import gratify.stats.models
    import gratify.web.ratelimit  # noqa: F401

    return Base.metadata
