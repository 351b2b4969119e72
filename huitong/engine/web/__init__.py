"""The browser UI: server-rendered pages for every object, generated from metadata (see docs/ARCHITECTURE.md)."""
