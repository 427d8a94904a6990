"""The gateway: the only component customers reach. It resolves the org from the
Host header and calls the services over HTTP; it imports no service."""
