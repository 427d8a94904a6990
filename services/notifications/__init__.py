"""notifications: e-mail, staff activity feed, customer notices, outbound webhooks."""
