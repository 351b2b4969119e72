"""Users, passwords, API tokens, and the access policy every read and write consults."""
