"""Reading a CSV of people to invite (the console's import), and carrying its rows from the
preview to the confirmation.

The file: a first row naming the columns `customer` (a customer's exact name or its id),
`email`, `name`, and optionally `permissions` (separated by spaces or semicolons; "view"
when empty), `language` (en, de, ...) and `create_customer` (yes / no: make a customer of
that name when there is none). UTF-8 with or without a BOM, separated by commas or
semicolons (csv.Sniffer tells which), at most MAX_ROWS rows and MAX_BYTES.

Here only the file's shape is checked (columns, sizes); identity checks the values and
says, row by row, what it would do (a dry run). The preview's rows travel to the
confirmation signed (itsdangerous, the gateway's secret, bound to the org and the staff
member, one hour): a changed field is refused, and identity checks every row again."""
from __future__ import annotations

import csv
import io
import re

from flask_babel import gettext as _, lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer

MAX_ROWS = 5000
MAX_BYTES = 1024 * 1024
MAX_AGE_S = 3600
REQUIRED = ("customer", "email", "name")
OPTIONAL = ("permissions", "language", "create_customer")
HEADER_NAMES = {"e-mail": "email", "e_mail": "email", "mail": "email", "customer_name": "customer",
                "customer_id": "customer", "contact": "name", "full_name": "name", "lang": "language"}
LIMITS = {"customer": 200, "email": 320, "name": 200, "permissions": 200, "language": 10}
# The columns as a row's problem names them ("Row 3: the e-mail address is longer than ...").
COLUMN_PROBLEMS = {
    "customer": _l("Row %(row)s: the customer is longer than %(limit)s characters"),
    "email": _l("Row %(row)s: the e-mail address is longer than %(limit)s characters"),
    "name": _l("Row %(row)s: the name is longer than %(limit)s characters"),
    "permissions": _l("Row %(row)s: the permissions are longer than %(limit)s characters"),
    "language": _l("Row %(row)s: the language is longer than %(limit)s characters"),
}
YES = {"yes", "y", "true", "1", "x", "ja", "oui"}


class ImportProblem(Exception):
    """Why the whole file cannot be read, in words for the person who chose it."""


def _header(name: str | None) -> str:
    key = re.sub(r"[\s-]+", "_", (name or "").strip().lower()).strip("_")
    return HEADER_NAMES.get(key, key)


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportProblem(_("The file is larger than 1 MiB. Split it into smaller files and import them one by one."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportProblem(_("The file is not UTF-8 text. Save it as \"CSV UTF-8\" and choose it again.")) from None


def _dialect(text: str):
    """Commas or semicolons, told by the header row (names hold neither; data rows may:
    "view;pay" in a comma file)."""
    try:
        return csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
    except csv.Error:
        return csv.excel                                # one column, or too little to tell: commas


def read_rows(data: bytes, create_all: bool = False) -> tuple[list[dict], list[dict]]:
    """The file's rows as identity's bulk items (each with its `row`, the spreadsheet's row
    number: the header is row 1), and the rows refused here for their shape ({row, message}).
    ImportProblem when the file as a whole cannot be read."""
    text = _text(data)
    if not text.strip():
        raise ImportProblem(_("The file is empty."))
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    try:
        header = [_header(name) for name in next(reader)]
        missing = [column for column in REQUIRED if column not in header]
        if missing:
            raise ImportProblem(_("The file has no %(missing)s column. Its first row must name the columns: "
                                  "%(required)s, and optionally %(optional)s.",
                                  missing=_(" or ").join(repr(m) for m in missing),
                                  required=", ".join(REQUIRED), optional=", ".join(OPTIONAL)))
        items, refused = [], []
        for values in reader:
            if not any(v.strip() for v in values):
                continue                                 # a blank line
            if len(items) + len(refused) >= MAX_ROWS:
                raise ImportProblem(_("The file has more than %(rows)s rows. Split it into smaller files "
                                      "and import them one by one.", rows="{:,}".format(MAX_ROWS)))
            row = dict(zip(header, (v.strip() for v in values)))
            item, problem = _item(row, reader.line_num, create_all)
            if problem:
                refused.append({"row": reader.line_num, "message": problem, "email": row.get("email", ""),
                                "customer": row.get("customer", "")})
            else:
                items.append(item)
    except csv.Error as exc:
        raise ImportProblem(_("The file could not be read as CSV near row %(row)s: %(error)s.", row=reader.line_num,
                                              error=exc)) from None
    if not items and not refused:
        raise ImportProblem(_("The file has no rows below its header."))
    return items, refused


def _item(row: dict, number: int, create_all: bool) -> tuple[dict | None, str | None]:
    for column, limit in LIMITS.items():
        if len(row.get(column) or "") > limit:
            return None, str(COLUMN_PROBLEMS[column] % {"row": number, "limit": limit})
    permissions = [p for p in re.split(r"[\s;,]+", row.get("permissions") or "") if p]
    return {"row": number, "customer": row.get("customer") or "", "email": row.get("email") or "",
            "name": row.get("name") or "", "permissions": permissions, "language": row.get("language") or None,
            "create_customer": create_all or (row.get("create_customer") or "").strip().lower() in YES}, None


def for_identity(items: list[dict]) -> list[dict]:
    """The items as identity's API takes them (without our row numbers)."""
    return [{k: v for k, v in item.items() if k != "row"} for item in items]


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="console-invitation-import")


def seal(secret: str, org: str, staff: str, what: str, payload) -> str:
    """`payload` signed for this org and staff member; `what` says what it is (rows, report)."""
    return _serializer(secret).dumps({"org": org, "by": staff, "what": what, "payload": payload})


def unseal(secret: str, org: str, staff: str, what: str, token: str):
    """The payload `seal` signed, or None when it was changed, is too old, or is another's."""
    try:
        sealed = _serializer(secret).loads(token or "", max_age=MAX_AGE_S)
    except BadData:
        return None
    if not isinstance(sealed, dict) or (sealed.get("org"), sealed.get("by"), sealed.get("what")) != (org, staff, what):
        return None
    return sealed.get("payload")


OUTCOME_WORDS = {"invite": _l("Will be invited"), "invited": _l("Invited"),
                 "already_invited": _l("Skipped: already invited"), "already_contact": _l("Skipped: already a contact"),
                 "failed": _l("Error")}


def outcomes(items: list[dict], results: list[dict], refused: list[dict]) -> list[dict]:
    """One line per row of the file, in its order: row, customer, email, name, outcome, and
    what to say (an error names its row and its column)."""
    lines = [{"row": r["row"], "customer": r["customer"], "email": r["email"], "name": "", "outcome": "failed",
              "message": r["message"]} for r in refused]
    for item, result in zip(items, results):
        message = result.get("message") or ""
        if result["outcome"] == "failed":
            message = _("Row %(row)s: %(problem)s", row=item["row"], problem=message)
        elif result.get("new_customer"):
            message = _("a new customer “%(name)s” is created", name=item["customer"])
        lines.append({"row": item["row"], "customer": result.get("customer_name") or item["customer"],
                      "email": item["email"], "name": item["name"], "outcome": result["outcome"],
                      "message": message})
    return sorted(lines, key=lambda line: line["row"])


def counts(lines: list[dict]) -> dict:
    return {"invite": sum(1 for line in lines if line["outcome"] in ("invite", "invited")),
            "skipped": sum(1 for line in lines if line["outcome"].startswith("already_")),
            "failed": sum(1 for line in lines if line["outcome"] == "failed")}


def report_csv(lines: list[dict]) -> str:
    """The report as CSV; a cell that a spreadsheet would run as a formula is quoted with '."""
    def cell(value) -> str:
        text = str(value if value is not None else "")
        return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "customer", "email", "name", "outcome", "message"])
    for line in lines:
        writer.writerow([line["row"], cell(line["customer"]), cell(line["email"]), cell(line["name"]),
                         str(OUTCOME_WORDS.get(line["outcome"], line["outcome"])), cell(line["message"])])
    return out.getvalue()
