"""Schemathesis against an OpenAPI document, in process (issue 14).

Every operation of the document gets a hypothesis run of a few examples, valid and invalid
(schemathesis' positive and negative modes), each sent to the real Flask app. Three checks:
no 5xx, a status the document declares, a body its schema allows. Runs are repeatable:
`derandomize` seeds hypothesis from the test function, so every run tries the same cases
(until hypothesis, schemathesis or this file change), and no example database is kept.

Made-up ids would only ever meet 404s, so path ids are drawn, where they can be, from the
ids earlier answers carried (operations run in the document's order: a POST that makes a
thing comes before the GET of it), and `fixed` pins some (the org). `fuzz` returns what it
tried and what failed, per operation; the tests assert on it and conftest.py prints counts.

Why not `schema.parametrize()`: its fixture-loaded form reaches into pytest's private node
ids, which pytest 9.2 no longer has, and loading the apps at import would build six
services whenever pytest collects. A loop over the operations says the same thing."""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

import hypothesis
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))   # per operation
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
TALLY: Counter = Counter()         # "<doc> operations", "<doc> cases", "<doc> 2xx": conftest.py prints them
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, print_blob=False,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
    suppress_health_check=list(hypothesis.HealthCheck))


@dataclass
class Tried:
    operations: list[str] = field(default_factory=list)
    cases: int = 0
    answered: Counter = field(default_factory=Counter)           # status class ("2xx", "4xx"): cases
    failures: dict[str, str] = field(default_factory=dict)     # operation: the first lines of why


def load(app, path: str = "/openapi.json", **request):
    return schemathesis.openapi.from_wsgi(path, app, config=SchemathesisConfig.from_dict({}), **request)


def fuzz(schema, name: str, headers_for, exclude: dict[str, str] | None = None,
         fixed: dict[str, str] | None = None, **call) -> Tried:
    """Runs every operation of `schema` but those in `exclude` ("METHOD /path": why).
    `headers_for(case)` gives each request's auth headers; `fixed` path parameters keep
    their value; `call` goes to case.call."""
    tried, seen = Tried(), {}
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label in (exclude or {}):
            continue
        tried.operations.append(label)
        strategy = known_ids(operation, seen, fixed or {}).flatmap(lambda ids, op=operation: st.one_of(
            op.as_strategy(GenerationMode.POSITIVE, path_parameters=ids),
            op.as_strategy(GenerationMode.NEGATIVE, path_parameters=ids)))

        @SETTINGS
        @hypothesis.given(case=strategy)
        def run(case):
            tried.cases += 1
            if case.media_type == "multipart/form-data" and isinstance(case.body, dict):
                # A form has no null: a field left out is how it says "none" (and schemathesis
                # cannot encode a None part).
                case.body = {k: v for k, v in case.body.items() if v is not None}
            headers = {**(case.headers or {}), **headers_for(case)}
            response = case.call(headers=headers, **call)
            tried.answered[f"{response.status_code // 100}xx"] += 1
            if response.status_code < 300:
                remember_ids(response, seen)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - reported together, below
            tried.failures[label] = why(exc)
    TALLY[f"{name} operations"] += len(tried.operations)
    TALLY[f"{name} cases"] += tried.cases
    TALLY[f"{name} 2xx"] += tried.answered["2xx"]
    return tried


def known_ids(operation, seen: dict[str, list[str]], fixed: dict[str, str]):
    """A strategy of path parameters: the fixed ones, and for each other one an id seen in an
    answer or none (then schemathesis makes one up)."""
    names = [p.name for p in operation.path_parameters]
    choices = {n: st.just(fixed[n]) for n in names if n in fixed}
    choices |= {n: st.sampled_from(seen[n]) for n in names if n not in fixed and seen.get(n)}
    return st.fixed_dictionaries(choices)


def remember_ids(response, seen: dict[str, list[str]], cap: int = 20) -> None:
    """Keeps the string values of `*_id` fields (at any depth) of a JSON answer."""
    try:
        body = response.json()
    except ValueError:
        return
    stack = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key.endswith("_id") and isinstance(value, str) and value not in seen.setdefault(key, []):
                    seen[key] = (seen[key] + [value])[-cap:]
                elif isinstance(value, (dict, list)):
                    stack.append(value)


def why(exc: BaseException) -> str:
    """Schemathesis' own account (the check, the answer, a curl to reproduce) or the error."""
    if isinstance(exc, BaseExceptionGroup) and not isinstance(exc, FailureGroup):    # hypothesis': several
        return "\n".join(why(inner) for inner in exc.exceptions)
    text = str(getattr(exc, "message", "") or exc) or repr(exc)
    return "\n".join(line for line in text.splitlines() if line.strip())[:1500]


def report(tried: Tried) -> str:
    return "\n\n".join(f"{label}:\n{reason}" for label, reason in tried.failures.items())
