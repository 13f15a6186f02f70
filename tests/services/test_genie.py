"""Genie: validation of model SQL, the evaluation scorer, and questions answered by the real local model
(run read-only as the user through the execution service)."""

from __future__ import annotations

import pytest

from devtools import genie_eval
from services.catalog import sync as catalog_sync
from services.core import db
from services.core.errors import InvalidInput, PermissionDenied
from services.genie import context
from services.genie.ask import ask, rate
from services.genie.validate import WriteRefused, extract_sql, validate
from services.sql import roles as query_roles

SCHEMA = {"gold.finance_expenses": {"vendor": "text", "amount_php": "numeric", "expense_date": "date"}}


@pytest.mark.parametrize("sql", ["DELETE FROM gold.finance_expenses", "UPDATE gold.finance_expenses SET vendor = 'x'",
                                 "SELECT vendor INTO new_table FROM gold.finance_expenses",
                                 "WITH d AS (DELETE FROM gold.finance_expenses RETURNING *) SELECT * FROM d",
                                 "DROP TABLE gold.finance_expenses", "TRUNCATE gold.finance_expenses"])
def test_writes_are_refused_whatever_their_shape(sql):
    with pytest.raises(WriteRefused):
        validate(sql, SCHEMA)


@pytest.mark.parametrize(("sql", "reason"), [
    ("SELECT nope FROM gold.finance_expenses", "nope"),
    ("SELECT * FROM gold.secret_table", "no table gold.secret_table"),
    ("SELECT vendor FROM finance_expenses", "Qualify"),
    ("SELECT 1; SELECT 2", "exactly one"),
    ("SELEC vendor FROM", "parse"),
    ("SELECT gf.vendor, sum(f.amount_php) FROM gold.finance_expenses f GROUP BY 1",
     r"gf is not a name of any table in this query \(gold.finance_expenses AS f\).* Write f.vendor\."),
    ("SELECT sum(gf.amount) FROM gold.finance_expenses f",
     "amount is not a column of those tables either; the closest: f.amount_php"),
])
def test_invalid_sql_gets_a_reason_for_the_model(sql, reason):
    with pytest.raises(InvalidInput, match=reason):
        validate(sql, SCHEMA)


def test_valid_sql_is_kept_as_written():
    sql = "SELECT e.vendor, sum(e.amount_php) AS total FROM gold.finance_expenses e GROUP BY 1 ORDER BY total DESC"
    assert validate(sql, SCHEMA) == sql
    assert extract_sql("Sure.\n```sql\nSELECT 1;\n```\nExplanation: one.") == "SELECT 1"


def test_the_question_set_is_big_enough_and_its_gold_sql_runs(demo_warehouse):
    cases = genie_eval.load()
    assert len(cases) >= 40
    for case in cases:
        assert genie_eval.gold_rows(case["sql"]), case["question"]


def test_the_held_out_set_is_apart_big_enough_and_its_gold_sql_runs(demo_warehouse):
    held_out = genie_eval.load(genie_eval.HELD_OUT)
    assert len(held_out) >= 40
    seen = {c["question"].lower() for c in genie_eval.load()}
    assert not seen & {c["question"].lower() for c in held_out}, "no question is in both sets"
    for case in held_out:
        assert genie_eval.gold_rows(case["sql"]), case["question"]


def test_the_tuning_set_is_apart_from_the_held_out_set_and_its_gold_sql_runs(demo_warehouse):
    dev = genie_eval.load(genie_eval.DEV)
    held_out = {c["question"].lower() for c in genie_eval.load(genie_eval.HELD_OUT)}
    assert len(dev) >= 30
    shared = sorted(held_out & {c["question"].lower() for c in dev})
    assert not shared, f"no held-out question is tuned on: {shared}"
    for case in dev:
        assert genie_eval.gold_rows(case["sql"]) is not None, case["question"]


def test_sample_values_are_the_commonest_from_statistics_or_the_first_rows(demo_warehouse, make_user):
    engineer, _ = make_user("engineer")
    with db.connection() as conn:
        conn.execute("DROP TABLE IF EXISTS bronze.genie_unanalysed")
        conn.execute("CREATE TABLE bronze.genie_unanalysed AS"
                     " SELECT 'only-' || g AS label FROM generate_series(1, 5) g")
    try:
        with db.connection() as conn:
            catalog_sync.sync_catalog(conn)
            query_roles.grant_warehouse_access(conn)
        tables = {t.name: t for t in context.gather(engineer, ["gold.finance_expenses", "bronze.genie_unanalysed"])}
        expenses = tables["gold.finance_expenses"].samples
        with db.connection() as conn:
            commonest = conn.execute("SELECT (most_common_vals::text::text[])[1:3] FROM pg_stats WHERE schemaname ="
                                     " 'gold' AND tablename = 'finance_expenses' AND attname = 'department'"
                                     ).fetchone()[0]
            departments = {r[0] for r in conn.execute("SELECT DISTINCT department FROM gold.finance_expenses")}
        assert expenses["department"] == commonest and set(commonest) <= departments
        assert set(expenses) == {"vendor", "category", "department", "employee"}  # the first four text columns
        # A table never analysed: values from its first rows.
        assert tables["bronze.genie_unanalysed"].samples["label"] == ["only-1", "only-2", "only-3"]
    finally:
        with db.connection() as conn:
            conn.execute("DROP TABLE bronze.genie_unanalysed")
            catalog_sync.sync_catalog(conn)


def test_a_missing_column_gets_the_closest_listed_ones_as_the_fix():
    with pytest.raises(InvalidInput, match=r"instead: gold.finance_expenses.amount_php"):
        validate("SELECT sum(amount_phpp) FROM gold.finance_expenses", SCHEMA)


def test_an_unknown_column_with_no_close_name_lists_the_columns_to_use():
    with pytest.raises(InvalidInput, match=r"The columns you may use: gold.finance_expenses: vendor text, "
                                           r"amount_php numeric, expense_date date"):
        validate("SELECT count(*) FROM gold.finance_expenses WHERE year = 2025", SCHEMA)


@pytest.mark.parametrize(("message", "fix"), [
    ("operator does not exist: date ~~ unknown", "compare with a range"),
    ('column "e.vendor" must appear in the GROUP BY clause or be used in an aggregate function', "GROUP BY"),
    ("aggregate functions are not allowed in WHERE", "HAVING"),
    ("relation does not exist", ""),
])
def test_database_errors_come_back_with_the_fix_they_point_to(message, fix):
    from services.genie.validate import repair_hint

    assert (fix in repair_hint(message)) if fix else repair_hint(message) == ""


def test_linked_dimensions_and_joins_come_from_the_catalog_keys(demo_warehouse, make_user):
    engineer, _ = make_user("engineer")
    linked = context.linked_dimensions(["silver.expenses"])
    assert linked == {"silver.employees": "silver.expenses.employee_id", "silver.vendors": "silver.expenses.vendor_id"}
    assert "silver.expenses" not in context.linked_dimensions(["gold.finance_expenses"])  # its own id, no join
    tables = context.gather(engineer, ["silver.expenses"], linked)
    text = context.describe(tables)
    assert "Table silver.vendors (reached by silver.expenses.vendor_id): vendor_id integer" in text
    assert "Joins: silver.expenses.employee_id = silver.employees.employee_id; " \
           "silver.expenses.vendor_id = silver.vendors.vendor_id" in text
    assert set(context.schema_of(tables)) == {"silver.expenses", "silver.employees", "silver.vendors"}


def test_sample_questions_are_built_from_the_catalog(demo_warehouse, make_user):
    from services.genie import suggest

    engineer, _ = make_user("engineer")
    questions = suggest.sample_questions(engineer)
    assert 3 <= len(questions) <= 5 and len(set(questions)) == len(questions)
    assert "Total amount by category in finance expenses" in questions  # gold first, a measure by a category
    viewer, _ = make_user("viewer")
    with pytest.raises(PermissionDenied):
        suggest.sample_questions(viewer)


def test_the_scorer_allows_extra_columns_and_checks_order_only_when_asked():
    gold = [("a", 2), ("b", 1)]
    assert genie_eval.same_result(gold, [(1, "a", 2.0), (2, "b", 1.004)], ordered=True)
    assert genie_eval.same_result(gold, [("b", 1), ("a", 2)], ordered=False)
    assert not genie_eval.same_result(gold, [("b", 1), ("a", 2)], ordered=True)
    assert not genie_eval.same_result(gold, [("a", 2)], ordered=False)
    assert not genie_eval.same_result(gold, [("a", 3), ("b", 1)], ordered=False)


def test_viewers_may_not_use_genie(demo_warehouse, make_user):
    viewer, _ = make_user("viewer")
    with pytest.raises(PermissionDenied):
        ask(viewer, "How many vendors do we have?")


def test_a_request_to_delete_is_refused_and_nothing_changes(demo_warehouse, make_user):
    engineer, _ = make_user("engineer")
    with db.connection() as conn:
        before = conn.execute("SELECT count(*) FROM silver.expenses").fetchone()[0]
    answer = ask(engineer, "delete all expenses")
    assert answer.status == "refused" and "only reads" in answer.message
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM silver.expenses").fetchone()[0] == before


@pytest.mark.model
def test_top_five_vendors_in_2025_with_the_local_model(demo_warehouse, make_user, local_model):
    engineer, _ = make_user("engineer")
    stages: list[str] = []
    answer = ask(engineer, "top 5 vendors by total amount in 2025", progress=stages.append)
    case = genie_eval.load()[0]
    assert answer.status == "answered", answer.attempts
    assert stages[:3] == ["finding tables", "writing SQL", "checking and running the SQL"], stages
    assert genie_eval.same_result(genie_eval.gold_rows(case["sql"]), answer.rows, ordered=True), answer.sql
    assert answer.explanation
    rate(engineer, answer.turn_id, 1)
    with db.connection() as conn:
        assert conn.execute("SELECT rating FROM ip_workbench.genie_turns WHERE id = %s",
                            (answer.turn_id,)).fetchone()[0] == 1


@pytest.mark.model
def test_a_follow_up_builds_on_the_previous_turn(demo_warehouse, make_user, local_model):
    engineer, _ = make_user("engineer")
    first = ask(engineer, "Total amount in PHP of all expense claims per department")
    assert first.status == "answered", first.attempts
    second = ask(engineer, "only the Finance department", conversation_id=first.conversation_id)
    assert second.status == "answered", second.attempts
    assert "finance" in second.sql.lower() and len(second.rows) <= 1


def test_approved_answers_come_back_as_examples_for_similar_questions(demo_warehouse):
    import uuid

    from services.genie.ask import _approved_examples
    from services.llm import embeddings

    question, sql = "How many suppliers are there?", "SELECT count(*) FROM silver.vendors"
    with db.connection() as conn:
        conn.execute("INSERT INTO ip_workbench.genie_turns (conversation_id, question, sql, status, rating,"
                     " question_embedding) VALUES (%s, %s, %s, 'answered', 1, %s)",
                     (str(uuid.uuid4()), question, sql, embeddings.embed([question])[0].tolist()))
    similar = _approved_examples(embeddings.embed(["How many vendors do we have?"])[0], "How many vendors?")
    assert (question, sql) in similar
    unrelated = _approved_examples(embeddings.embed(["Average amount per expense category"])[0], "x")
    assert (question, sql) not in unrelated


@pytest.mark.model
def test_cli_prints_the_answer_as_json(demo_warehouse, make_user, local_model):
    import json

    from tests.services.test_cli import _run

    engineer, _ = make_user("engineer")
    result = _run("genie", "ask", "How many vendors do we have?", "--as", engineer.email, "--json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert set(printed) >= {"question", "sql", "columns", "rows", "attempts"}
    with db.connection() as conn:
        vendors = conn.execute("SELECT count(*) FROM silver.vendors").fetchone()[0]
    assert printed["rows"] == [[vendors]] and printed["attempts"][-1]["error"] is None


def test_an_answer_without_the_models_sentence_is_described_from_its_query():
    from services.genie.validate import describe

    sql = ("SELECT v.vendor_name, sum(g.total_amount_php) AS total FROM silver.vendors v"
           " JOIN gold.vendor_monthly_spend g ON g.vendor_id = v.vendor_id GROUP BY 1 ORDER BY total DESC LIMIT 5")
    assert describe(sql, 5, ["vendor_name", "total"]) == (
        "5 rows of vendor_name, total from gold.vendor_monthly_spend, silver.vendors, ordered by total descending.")
    assert describe("WITH t AS (SELECT 1 FROM gold.x) SELECT count(*) FROM t", 1, ["count"]) == (
        "1 row of count from gold.x.")


def test_a_filter_on_a_value_the_question_never_names_goes_back_as_a_soft_failure():
    from services.genie.validate import UnaskedFilter

    schema = {"gold.finance_expenses": {"department": "text", "status": "text", "amount_php": "numeric"}}
    sql = "SELECT department FROM gold.finance_expenses WHERE status IN ('approved', 'paid')"
    with pytest.raises(UnaskedFilter, match=r"'approved', 'paid': remove that condition"):
        validate(sql, schema, "Which department has the largest total?")
    assert validate(sql, schema, "approved and paid totel per department") == sql  # named, a typo forgiven
    assert validate("SELECT 1 FROM gold.finance_expenses WHERE department = 'Sales' AND status = 'draft'", schema,
                    "drafts of the sales dept") is not None
    assert validate(sql, schema) == sql  # no question: no check


def _repair_script(peer, first: str, repairs: tuple[str, str], final: str) -> None:
    peer.will(*[("ok", f"```sql\n{sql}\n```\nExplanation: vendors by expenses.")
                for sql in (first, *repairs, final, final)])


BAD_ALIAS = "SELECT gf.vendor, count(*) AS n FROM gold.finance_expenses f GROUP BY 1"
BAD_COLUMN = "SELECT f.vendor, f.nope FROM gold.finance_expenses f"
TOP_FIVE = "SELECT f.vendor, count(*) AS n FROM gold.finance_expenses f GROUP BY f.vendor ORDER BY n DESC LIMIT 5"


def test_a_repair_that_repeats_the_failed_query_is_told_so(peer, demo_warehouse, make_user):
    engineer, _ = make_user("engineer")
    _repair_script(peer, BAD_ALIAS, (BAD_ALIAS, BAD_ALIAS.lower()), TOP_FIVE)
    answer = ask(engineer, "Which five vendors have the most expenses?")
    assert answer.status == "answered" and answer.sql == TOP_FIVE, answer.message
    assert [a.sql for a in answer.attempts] == [BAD_ALIAS, BAD_ALIAS]
    first_feedback, second_feedback = [m["content"] for m in peer.requests[3]["messages"] if m["role"] == "user"][-2:]
    assert first_feedback.startswith("That query failed:") and "gf is not a name of any table" in first_feedback
    assert "failed before, unchanged" in second_feedback and "Write a different query" in second_feedback


def test_a_new_failed_repair_is_kept_over_a_repeated_one(peer, demo_warehouse, make_user):
    engineer, _ = make_user("engineer")
    _repair_script(peer, BAD_ALIAS, (BAD_ALIAS, BAD_COLUMN), TOP_FIVE)
    answer = ask(engineer, "Which five vendors have the most expenses?")
    assert answer.status == "answered" and answer.sql == TOP_FIVE, answer.message
    assert [a.sql for a in answer.attempts] == [BAD_ALIAS, BAD_COLUMN]
    assert not any("unchanged" in m["content"] for m in peer.requests[3]["messages"])
