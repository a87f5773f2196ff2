"""Tenants, agencies, services, units, users and key custody."""
