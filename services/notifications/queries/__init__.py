"""notifications' reads: the ones its API answers (the feed, mails, templates, webhooks,
unsubscribe links, preferences) and the links its mails carry."""
