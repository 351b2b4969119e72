"""Metadata: objects and fields, their types, and the planner/executor that turns changes into DDL."""
