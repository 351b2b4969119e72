"""The query engine: one compiler from filter/sort/aggregate descriptions to SQL, used by every read."""
