"""The gateway marks an invoice's status words for translation itself (gateway/web/labels.py);
in English they must stay the words of contracts/words.py, which the PDFs and mails use."""
from contracts.words import INVOICE_STATUS as CONTRACT_WORDS
from gateway.web.labels import CUSTOMER_INVOICE_LABELS, INVOICE_STATUS


def test_the_pages_say_the_contracts_words_in_english():
    assert {k: str(v) for k, v in INVOICE_STATUS.items()} == CONTRACT_WORDS
    assert "draft" not in CUSTOMER_INVOICE_LABELS
