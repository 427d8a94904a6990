"""support's reads, the ones its API answers: tickets (scoped by who asks), reviews,
canned replies."""
