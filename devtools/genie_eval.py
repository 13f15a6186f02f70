"""Execution accuracy of Genie on a labelled question set (tests/data/genie_questions.json).

A prediction counts when its result set equals the gold query's: same number of rows, and every gold
column found among the predicted columns with the same values (extra predicted columns and another
column order are allowed); row order matters only where the question asks for an order. Numbers are
compared rounded to 2 decimals."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.core import db
from services.core.config import PROJECT_ROOT

QUESTIONS = PROJECT_ROOT / "tests" / "data" / "genie_questions.json"
# Written apart from the first set, in another style (short, lower-case, typos, "supplier", "staff",
# "claims"); held out: no prompt, rule or retrieval change is tuned by looking at its answers.
HELD_OUT = PROJECT_ROOT / "tests" / "data" / "genie_heldout.json"
# In the held-out set's style, written to tune against so that the held-out set stays unread.
DEV = PROJECT_ROOT / "tests" / "data" / "genie_dev.json"


def load(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    return json.loads(path.read_text())


def _norm(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | decimal.Decimal):
        return round(float(value), 2)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def gold_rows(sql: str) -> list[tuple]:
    with db.connection() as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


def same_result(gold: list[tuple], predicted: list[tuple], ordered: bool) -> bool:
    """Gold columns matched one to one by values among the predicted columns; order checked if asked."""
    if len(gold) != len(predicted):
        return False
    if not gold:
        return True
    gold_cols = [[_norm(r[i]) for r in gold] for i in range(len(gold[0]))]
    pred_cols = [[_norm(r[i]) for r in predicted] for i in range(len(predicted[0]))] if predicted[0] else []
    if len(pred_cols) < len(gold_cols):
        return False
    if ordered:
        used: set[int] = set()
        for column in gold_cols:
            match = next((i for i, p in enumerate(pred_cols) if i not in used and p == column), None)
            if match is None:
                return False
            used.add(match)
        return True
    # Unordered: some choice of predicted columns gives the same multiset of rows.
    candidates = []
    for column in gold_cols:
        options = [i for i, p in enumerate(pred_cols) if Counter(p) == Counter(column)]
        if not options:
            return False
        candidates.append(options)
    chosen = [options[0] for options in candidates]
    if len(set(chosen)) != len(chosen):
        return False
    gold_set = Counter(tuple(c[k] for c in gold_cols) for k in range(len(gold)))
    pred_set = Counter(tuple(pred_cols[i][k] for i in chosen) for k in range(len(predicted)))
    return gold_set == pred_set


@dataclass
class Scored:
    question: str
    correct: bool
    seconds: float
    status: str
    sql: str
    attempts: int


def evaluate(actor: Any, cases: list[dict[str, Any]]) -> list[Scored]:
    """Ask every question through Genie and score it against its gold query."""
    from services.genie.ask import ask

    results = []
    for case in cases:
        started = time.perf_counter()
        answer = ask(actor, case["question"])
        seconds = time.perf_counter() - started
        correct = answer.status == "answered" and same_result(gold_rows(case["sql"]), answer.rows, case["ordered"])
        results.append(Scored(case["question"], correct, seconds, answer.status, answer.sql,
                              len(answer.attempts) + (1 if answer.status == "answered" else 0)))
    return results
