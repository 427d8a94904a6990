"""What every service shares: config, database, event store, outbox relay,
consumer runner, web app factory, metrics and logging."""
