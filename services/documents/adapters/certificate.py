"""The certificate of a signed agreement (or a decided quote): one PDF page listing the
evidence of each decision, so the business can prove later who agreed to which exact bytes,
when, from where. Pure: takes the document and evidence as the API answers them."""
from __future__ import annotations

from services.chassis.pdf import UnicodePDF

INK, MUTED = (17, 24, 39), (100, 110, 125)
WHAT = {"signed": "Signed", "accepted": "Accepted", "declined": "Declined"}


def render_certificate(document: dict, evidence: list[dict], org_name: str, font_dir: str | None = None) -> bytes:
    pdf = UnicodePDF(orientation="P", unit="mm", format="A4")
    family = pdf.use_fonts(font_dir)
    title = f"Certificate of {document['title']}"
    pdf.set_title(title)
    pdf.set_author(org_name)
    pdf.set_creator("Customer Portal")
    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 5, f"Issued by {org_name} through its customer portal. Each decision below was made by a "
                         "signed-in contact on the exact version whose SHA-256 fingerprint is shown; the file "
                         "can be checked against it at any time.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    rows = [("Document", document["title"]), ("Kind", document["kind"]), ("Document id", document["document_id"])]
    for item in evidence:
        rows += [("", ""), ("Decision", WHAT.get(item["decision"], item["decision"])),
                 ("Version", str(item["version"])), ("SHA-256 of that version", item["document_sha256"]),
                 ("By", item.get("contact_name") or item["contact_id"]),
                 *([("Typed name", item["signer_name"])] if item.get("signer_name") else []),
                 *([("Comment", item["comment"])] if item.get("comment") else []),
                 ("At (UTC)", item["at"]), ("From address", item.get("ip") or "not recorded"),
                 ("Browser", item.get("user_agent") or "not recorded")]
    for label, value in rows:
        if not label:
            pdf.ln(3)
            continue
        pdf.set_font(family, "B", 10)
        pdf.set_text_color(*INK)
        pdf.cell(50, 6, label)
        pdf.set_font(family, "", 10)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
