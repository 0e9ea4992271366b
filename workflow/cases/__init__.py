"""Case services: one step from snapshot to commit, the definition registry, queues, recipients,
notifications, timers, uploads."""
