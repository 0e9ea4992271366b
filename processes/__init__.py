"""The processes that need code beyond their YAML, each a plug-in (docs/architecture.md § A new process).
Nothing in workflow/ or web/ imports this package; bootstrap.py installs them."""
