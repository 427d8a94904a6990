"""The gateway's clients of the services, one module per service (the calls of its API.md),
all on the shared base (base.py): pooled HTTP, the signed-in person's token, problems as
`ServiceProblem`, failures as `ServiceUnavailable`. Nothing here knows about pages."""
