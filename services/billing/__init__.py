"""billing: invoices, PDFs, payments, payment links, credit notes, refunds, comments."""
