"""Persistence: the database, the ORM models of the generic tables, the content-addressed document store."""
