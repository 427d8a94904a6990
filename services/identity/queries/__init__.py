"""The reads identity answers: the directory, who is behind a session, invitations, reset
links, API keys, logos. They go to read models and private tables, never change them."""
