"""What every page of the gateway shares, below the portal, the console, the public pages
and the API: the request's context (context.py), the access declarations (access.py),
security, config, template filters, labels, shared forms and page helpers, metrics, brand."""
