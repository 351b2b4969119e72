"""Background jobs and the scheduler (Huey): SQLite storage by default, Redis when HUITONG_REDIS_URL is set."""
