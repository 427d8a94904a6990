"""identity: orgs, portal settings, customers, contacts, staff, sessions, MFA, access."""
