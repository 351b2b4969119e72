"""Records: the one write path (create, update, delete, restore, purge, bulk) and record reads."""
