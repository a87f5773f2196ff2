"""Declarative base, shared column types, engine and sessions, migrations."""
