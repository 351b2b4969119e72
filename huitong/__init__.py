"""Huitong CRM (汇通): an open-source, metadata-driven CRM."""

__version__ = "0.1.0"
