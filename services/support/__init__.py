"""support: tickets, live chat messages, ticket history, service reviews."""
