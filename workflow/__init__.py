"""UnionFlow's domain: process definitions, the engine, persistence and documents.

Nothing in this package imports Flask; the web layer wraps it.
"""
