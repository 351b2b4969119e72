"""The REST API: one small set of generic routes serving every object, standard or custom."""
