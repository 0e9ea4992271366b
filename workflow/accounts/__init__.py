"""Accounts: passwords, users and units, API tokens, sign-in and sessions."""
