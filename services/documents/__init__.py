"""documents: contracts, quotations, agreements, customer uploads, approvals, object storage."""
