"""Genie's one entry point: a question → relevant tables → SQL from the model → validated (parses, one
read-only query, known tables and columns) → EXPLAIN → run read-only as the user → the SQL, the rows and
one sentence. A validation or database error goes back to the model for up to 2 more attempts."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from services.core import db
from services.core.errors import InvalidInput, NotFound, QueryFailed
from services.genie import context
from services.genie.validate import UnaskedFilter, WriteRefused, describe, extract_sql, repair_hint, validate
from services.identity import audit
from services.identity.rbac import Permission, authorize
from services.llm import complete, embeddings, providers
from services.sql import execution as query_execution

MAX_ATTEMPTS = 3
REPAIR_CANDIDATES = 2  # after a failure: this many repairs, the one whose result another agrees with wins
ROW_LIMIT = 1000
EXAMPLES = 3
_EXPLANATION = re.compile(r"explanation\s*:\s*(.+)", re.IGNORECASE | re.DOTALL)
_WRITE_WORDS = re.compile(r"\b(delete|drop|truncate|update|insert|alter|remove|wipe|erase|overwrite|create|"
                          r"grant|revoke)\b", re.IGNORECASE)
_READ_WORDS = re.compile(r"\b(how many|count|list|show|which|what|who|when)\b", re.IGNORECASE)
REFUSAL = "Genie only reads data; it does not change, delete or create anything."
SYSTEM = """You write PostgreSQL for a data warehouse. Answer the question with ONE read-only SELECT query.
Rules:
- Use only the tables and columns listed below; always write schema.table.
- Never write INSERT, UPDATE, DELETE, CREATE, DROP or anything that changes data.
- When the question asks for the top or bottom N, ORDER BY that measure and LIMIT N. Use LIMIT only then,
  or when it asks for the single highest or lowest one; a breakdown "per X" or "by X" returns every X.
- Filter only on what the question says: add no status, date or other condition it does not ask for.
- To count or list individual records, read the table with one row per record, not a summary table.
- "never", "without any", "not in": use NOT EXISTS. Day of the week: extract(isodow FROM d), 1 = Monday.
- Compare text with the values exactly as the examples show them.
- Give every computed column a short alias.
Reply exactly in this form:
```sql
<the query>
```
Explanation: <one sentence saying what the query returns>"""


@dataclass
class Attempt:
    sql: str
    error: str


@dataclass
class GenieAnswer:
    turn_id: str
    conversation_id: str
    question: str
    status: str  # answered, failed or refused
    sql: str = ""
    explanation: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    message: str = ""


def _previous_turns(conversation_id: str, user_id: Any) -> list[tuple[str, str]]:
    with db.connection() as conn:
        return conn.execute(
            "SELECT question, sql FROM ip_workbench.genie_turns WHERE conversation_id = %s AND user_id"
            " IS NOT DISTINCT FROM %s AND status = 'answered' ORDER BY created_at DESC LIMIT 3",
            (conversation_id, user_id)).fetchall()[::-1]


def _approved_examples(vector: np.ndarray, exclude: str) -> list[tuple[str, str]]:
    """Question–SQL pairs people approved, the closest in meaning first."""
    with db.connection() as conn:
        rows = conn.execute("SELECT question, sql, question_embedding FROM ip_workbench.genie_turns"
                            " WHERE rating = 1 AND sql IS NOT NULL AND question_embedding IS NOT NULL"
                            " ORDER BY created_at DESC LIMIT 500").fetchall()
    scored = sorted(((float(np.dot(vector, np.asarray(e, dtype=np.float32))), q, s) for q, s, e in rows
                     if q.strip().lower() != exclude.strip().lower()), reverse=True)
    return [(q, s) for score, q, s in scored[:EXAMPLES] if score > 0.5]


def _tables_named(sql_texts: list[str]) -> list[str]:
    found: list[str] = []
    for text in sql_texts:
        found += [m.lower() for m in re.findall(r"\b([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)\b", text or "", re.I)]
    return list(dict.fromkeys(found))


def _messages(question: str, tables_text: str, history: list[tuple[str, str]], examples: list[tuple[str, str]],
              attempts: list[Attempt]) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": f"{SYSTEM}\n\nTables:\n{tables_text}"}]
    for example_question, example_sql in examples:
        messages += [{"role": "user", "content": example_question},
                     {"role": "assistant", "content": f"```sql\n{example_sql}\n```\nExplanation: an approved answer."}]
    for earlier_question, earlier_sql in history:
        messages += [{"role": "user", "content": earlier_question},
                     {"role": "assistant", "content": f"```sql\n{earlier_sql}\n```"}]
    follow = " (a follow-up: change the previous query accordingly)" if history else ""
    messages.append({"role": "user", "content": question + follow})
    seen: set[str] = set()
    for attempt in attempts:
        text = _same_sql(attempt.sql)
        repeated = text in seen
        seen.add(text)
        feedback = (f"That is the query that failed before, unchanged, and it fails the same way: {attempt.error}\n"
                    "Write a different query that fixes this." if repeated else
                    f"That query failed: {attempt.error}\nWrite a corrected query.")
        messages += [{"role": "assistant", "content": f"```sql\n{attempt.sql}\n```"},
                     {"role": "user", "content": feedback}]
    return messages


def _same_sql(sql: str) -> str:
    """A query's text with case and spacing ignored, to notice a repair that repeats a failed query."""
    return " ".join(sql.lower().replace(";", " ").split())


def _explanation(reply: str, labelled: re.Match | None) -> str:
    """The model's one sentence: after "Explanation:", else the first prose after the SQL block ("" if none)."""
    after_sql = reply.split("```")[-1] if reply.count("```") >= 2 else ""
    text = labelled.group(1) if labelled else after_sql
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:400]


def _store(answer: GenieAnswer, user_id: Any, vector: np.ndarray | None) -> None:
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO ip_workbench.genie_turns (id, conversation_id, user_id, question, sql, explanation, status,"
            " attempts, row_count, question_embedding) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (answer.turn_id, answer.conversation_id, user_id, answer.question, answer.sql or None,
             answer.explanation or None, answer.status,
             json.dumps([{"sql": a.sql, "error": a.error} for a in answer.attempts]),
             len(answer.rows) if answer.status == "answered" else None,
             vector.tolist() if vector is not None else None))


@dataclass
class _Candidate:
    sql: str
    explanation: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    error: Exception | None = None
    soft: bool = False  # ran fine; only filters on a value the question does not name


def _try(actor: Any, reply: str, schema: dict[str, dict[str, str]], asked: str) -> _Candidate:
    """Validate (against `asked`: the question and the earlier ones it follows), EXPLAIN and run one model
    reply read-only as the actor. A query that only filters on a value the question does not name is run
    too, but kept as a soft failure: the answer only when no attempt does better."""
    sql = extract_sql(reply).strip()
    unasked: UnaskedFilter | None = None
    try:
        try:
            sql = validate(sql, schema, asked)
        except UnaskedFilter as exc:
            unasked = exc
        query_execution.execute_all(actor, f"EXPLAIN {sql}", source="genie", read_only=True)
        result = query_execution.execute(actor, sql, source="genie", read_only=True, page_size=ROW_LIMIT)
        if result.has_more:
            query_execution.close_result(actor, result.run_id)
    except QueryFailed as exc:
        hint = repair_hint(str(exc))
        return _Candidate(sql, error=QueryFailed(f"{exc} {hint}".strip()) if hint else exc)
    except (WriteRefused, InvalidInput) as exc:
        return _Candidate(sql, error=exc)
    return _Candidate(sql, _explanation(reply, _EXPLANATION.search(reply)), [c.name for c in result.columns],
                      result.rows, error=unasked, soft=unasked is not None)


def _agreed(candidates: list[_Candidate]) -> _Candidate | None:
    """The first valid candidate whose rows another valid one also returned, else the first valid one."""
    valid = [c for c in candidates if c.error is None]
    for candidate in valid:
        if sum(1 for other in valid if sorted(map(repr, other.rows)) == sorted(map(repr, candidate.rows))) > 1:
            return candidate
    return valid[0] if valid else None


def _failed_to_record(candidates: list[_Candidate], attempts: list[Attempt]) -> _Candidate:
    """Of failed repair candidates, the first that is not a query already tried (it tells the model more)."""
    tried = {_same_sql(a.sql) for a in attempts}
    return next((c for c in candidates if _same_sql(c.sql) not in tried), candidates[0])


def ask(actor: Any, question: str, *, conversation_id: str | None = None, model: str | None = None,
        client_address: str | None = None, progress: Callable[[str], None] | None = None) -> GenieAnswer:
    """Answer a question about the warehouse (use_ai_assist); never changes data. `model`: one the LLM
    providers offer (None: the gateway's default, the local model unless configured otherwise); `progress`
    hears each stage as it starts (finding tables, writing SQL, checking and running it, repairing)."""
    say = progress or (lambda _stage: None)
    authorize(actor, Permission.USE_AI_ASSIST, client_address=client_address)
    if model and model not in providers.offered_models():
        raise InvalidInput(f"{model} is not offered; pick one of the models in Settings › Integrations, or none"
                           " for the default.")
    question = (question or "").strip()
    if not question:
        raise InvalidInput("Ask a question first.")
    if len(question) > 2000:
        raise InvalidInput("Questions are limited to 2,000 characters.")
    user_id = getattr(actor, "id", None)
    conversation_id = conversation_id or str(uuid.uuid4())
    answer = GenieAnswer(str(uuid.uuid4()), conversation_id, question, "failed")
    vector = embeddings.embed([question])[0]
    if _WRITE_WORDS.search(question) and not _READ_WORDS.search(question):
        answer.status, answer.message = "refused", REFUSAL
        _store(answer, user_id, vector)
        audit.record(action="genie_refused", actor=actor, target=question[:200], client_address=client_address)
        return answer
    history = _previous_turns(conversation_id, user_id)
    say("finding tables")
    names = context.relevant_tables(actor, question, extra=_tables_named([s for _q, s in history]))
    tables = context.gather(actor, names, context.linked_dimensions(names[:2]))
    schema = context.schema_of(tables)
    tables_text = context.describe(tables)
    examples = _approved_examples(vector, question)
    fallback: _Candidate | None = None
    asked = " ".join([*(q for q, _s in history), question])  # what filters may name: this and earlier turns
    for attempt in range(MAX_ATTEMPTS):
        say("writing SQL" if attempt == 0 else f"repairing the SQL (attempt {attempt + 1})")
        messages = _messages(question, tables_text, history, examples, answer.attempts)
        candidates = []
        # A repair at temperature 0 tends to repeat the same query; several at a higher one, checked against
        # each other by their results, move on more reliably.
        for _candidate in range(1 if attempt == 0 else REPAIR_CANDIDATES):
            reply = complete(messages, purpose="genie", actor=actor, max_tokens=400,
                             temperature=0.0 if attempt == 0 else 0.6, model=model).text
            say("checking and running the SQL")
            candidates.append(_try(actor, reply, schema, asked))
        refused = next((c for c in candidates if isinstance(c.error, WriteRefused)), None)
        if refused is not None:
            answer.attempts.append(Attempt(refused.sql, str(refused.error)))
            answer.status, answer.message = "refused", str(refused.error)
            break
        chosen = _agreed(candidates)
        if chosen is None:
            failed = _failed_to_record(candidates, answer.attempts)
            answer.attempts.append(Attempt(failed.sql, str(failed.error)))
            fallback = fallback or next((c for c in candidates if c.soft), None)
            if attempt < MAX_ATTEMPTS - 1 or fallback is None:
                continue
            chosen = fallback
        answer.status, answer.sql = "answered", chosen.sql
        answer.explanation = chosen.explanation or describe(chosen.sql, len(chosen.rows), chosen.columns)
        answer.columns, answer.rows = chosen.columns, chosen.rows
        break
    else:
        answer.message = f"No valid query after {MAX_ATTEMPTS} attempts; the last error: {answer.attempts[-1].error}"
    _store(answer, user_id, vector)
    return answer


def rate(actor: Any, turn_id: str, rating: int) -> None:
    """Thumbs up (1) or down (-1) on one's own answer; approved answers become examples."""
    authorize(actor, Permission.USE_AI_ASSIST)
    if rating not in (-1, 1):
        raise InvalidInput("A rating is 1 (helpful) or -1 (not helpful).")
    with db.connection() as conn:
        updated = conn.execute("UPDATE ip_workbench.genie_turns SET rating = %s WHERE id = %s AND user_id"
                               " IS NOT DISTINCT FROM %s AND status = 'answered'",
                               (rating, turn_id, getattr(actor, "id", None))).rowcount
    if not updated:
        raise NotFound("No answered question of yours with that id.")

