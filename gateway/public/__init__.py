"""The pages anyone may open (`@public`, or `@pending_mfa` for the MFA step): sign-in, MFA,
password recovery, sign-up, invitations, payment links, unsubscribe links and the payment
gateways' webhooks in, a link payer's receipt; each module with its own blueprint ("public_<module>")."""
from gateway.public import invitations, mfa, pay_links, receipts, recovery, signin, signup, unsubscribe, webhooks

BLUEPRINTS = (signin.bp, mfa.bp, invitations.bp, recovery.bp, signup.bp, pay_links.bp, receipts.bp, unsubscribe.bp,
              webhooks.bp)
