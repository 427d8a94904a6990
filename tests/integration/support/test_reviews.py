"""Service reviews and ratings of resolved tickets, on SQLite and PostgreSQL: private to
staff, one per contact per period (also when submitted at once), one rating per ticket
once it is resolved, averages per month."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from services.support.bootstrap import SPEC
from services.support.domain.commands import SubmitReview
from services.support.domain.viewer import Viewer
from services.support.handlers import reviews
from tests.integration.support.test_tickets import ORG, Support
from tests.helpers.problems import problem
from tests.helpers.tokens import bearer


@pytest.fixture
def support(make_runtime, db_kind):
    return Support(make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1"))


def review(support, rating=5, comment="Great service", headers=None, customer_id="cust-1"):
    return support.client.post(f"/orgs/{ORG}/customers/{customer_id}/reviews", json={"rating": rating, "comment": comment},
                               headers=headers or support.contact(customer_id=customer_id))


def test_reviews_are_for_staff_only_and_averaged_per_month(support):
    assert review(support, 5).status_code == 201
    assert review(support, 2, "Slow", headers=support.contact(id="contact-2", name="Bob")).status_code == 201
    page = support.client.get(f"/orgs/{ORG}/reviews", headers=support.staff).get_json()
    assert page["count"] == 2 and page["average"] == 3.5
    assert [(r["rating"], r["contact_name"]) for r in page["items"]] == [(2, "Bob"), (5, "Ann Example")]
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    assert page["months"] == [{"month": month, "count": 2, "average": 3.5}]
    assert support.client.get(f"/orgs/{ORG}/reviews", headers=support.contact()).status_code == 403
    other_org = bearer("staff", "org-other", id="s9")
    assert support.client.get(f"/orgs/{ORG}/reviews", headers=other_org).status_code == 404


def test_one_review_per_contact_per_period_even_at_once(support):
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(lambda i: review(support, 4).status_code, range(6)))
    assert codes == [201, 409, 409, 409, 409, 409]
    again = review(support, 4)
    assert "reviewed our service recently" in problem(again, 409)["detail"]
    viewer = Viewer("contact", "contact-1", ORG, "cust-1", "Ann")
    later = datetime.now(timezone.utc) + timedelta(days=31)
    reviews.submit_review(support.rt, SubmitReview(viewer, 3), now=later)
    assert support.client.get(f"/orgs/{ORG}/reviews", headers=support.staff).get_json()["count"] == 2


@pytest.mark.parametrize("body", [{"rating": 0}, {"rating": 6}, {"rating": "5"}, {"rating": 3, "comment": "x" * 2001}])
def test_bad_reviews_are_refused(support, body):
    answer = support.client.post(f"/orgs/{ORG}/customers/cust-1/reviews", json=body, headers=support.contact())
    assert answer.status_code == 422
    assert support.events("ReviewSubmitted") == []


def test_a_review_needs_the_reviews_module(support):
    no_module = support.contact(modules=("tickets",))
    assert review(support, headers=no_module).status_code == 404


def test_a_resolved_ticket_is_rated_once(support):
    tid = support.raise_()["ticket_id"]
    url = f"/orgs/{ORG}/customers/cust-1/tickets/{tid}/rating"
    early = support.client.post(url, json={"rating": 5}, headers=support.contact())
    assert "once it is resolved" in problem(early, 422)["detail"]
    support.staff_do(tid, "status", status="resolved")
    rated = support.client.post(url, json={"rating": 4, "comment": "Quick fix"}, headers=support.contact())
    assert rated.status_code == 201 and rated.get_json()["subject_type"] == "ticket"
    assert support.client.post(url, json={"rating": 1}, headers=support.contact()).status_code == 409
    stranger = support.contact(id="contact-9", customer_id="cust-2")
    assert support.client.post(f"/orgs/{ORG}/customers/cust-2/tickets/{tid}/rating", json={"rating": 1},
                               headers=stranger).status_code == 404
    (event,) = support.events("ReviewSubmitted")
    assert event.data["subject_id"] == tid and event.data["rating"] == 4
