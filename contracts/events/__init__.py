"""One module per service, one schema per published event (the event's `data`)."""
