"""Summaries (decisions/0016): counts and sums of an object's records per owner, month and a few more fields, kept by
the record service in each write's transaction and read by aggregates that fit them, so a report over a million
records reads thousands of summary rows instead. Declared by modules (``Module.summaries``)."""
