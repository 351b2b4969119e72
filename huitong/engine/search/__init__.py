"""Global search: terms each searchable field contributes, the table they live in, and the search across objects."""
