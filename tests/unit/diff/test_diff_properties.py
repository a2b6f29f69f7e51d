"""Properties of the semantic diff: order ECS ignores never matters, secret values never show."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ecsflow.diff import Masker, diff_task_definitions

NAMES = st.from_regex(r"[A-Z][A-Z0-9_]{0,12}", fullmatch=True)
VALUES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=6, max_size=16)
ENV = st.dictionaries(NAMES, VALUES, max_size=6)
SECRET_NAMES = st.sampled_from(["DB_PASSWORD", "API_KEY", "GITHUB_TOKEN", "CLIENT_SECRET"])


def _taskdef(env: dict[str, str], order: list[int] | None = None) -> dict[str, Any]:
    items = [{"name": k, "value": v} for k, v in env.items()]
    if order is not None:
        items = [items[i] for i in order]
    return {"family": "web", "containerDefinitions": [{"name": "app", "image": "web:1", "environment": items}]}


@settings(max_examples=60, deadline=None)
@given(env=ENV, data=st.data())
def test_environment_order_never_matters(env: dict[str, str], data: st.DataObject) -> None:
    order = data.draw(st.permutations(list(range(len(env)))))
    assert not diff_task_definitions(_taskdef(env), _taskdef(env, list(order))).changed


@settings(max_examples=60, deadline=None)
@given(before=ENV, after=ENV, secret=SECRET_NAMES, old=VALUES, new=VALUES)
def test_secret_values_never_appear_in_a_diff(
    before: dict[str, str], after: dict[str, str], secret: str, old: str, new: str
) -> None:
    # A non-secret variable that holds the same text is shown (``Masker.scrub`` hides such
    # repeats when output is written; the diff itself masks by name).
    assume(not ({old, new} & {*before.values(), *after.values()}))
    a = _taskdef({**before, secret: old})
    b = _taskdef({**after, secret: new})
    diff = diff_task_definitions(a, b, masker=Masker())
    text = json.dumps([c.to_dict() for c in diff.changes]) + "\n".join(diff.lines())
    assert old not in text and new not in text
    if old != new:
        assert any(secret in c.path for c in diff.changes)  # the change is shown, masked
