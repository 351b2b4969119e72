"""The platform: metadata, records, query, security, jobs and the generic API. Never imports huitong.modules."""
