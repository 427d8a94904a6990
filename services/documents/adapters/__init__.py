"""Ports to the outside world used by documents."""
