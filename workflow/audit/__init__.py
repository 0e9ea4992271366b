"""Audit: the chain verifier, the per-case journal, the dossier (案卷) and the history exports."""
