"""The engine core: definitions (model, load, check, schema), the engine, the guard and effect registry,
forms and attachments, work days, roles, the history's hashes. Imports neither flask nor sqlalchemy (docs/architecture.md)."""
