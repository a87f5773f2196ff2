"""Shared web plumbing: headers, templating, i18n, errors."""
