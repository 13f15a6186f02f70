=== temporary table links its sources to the final target
CREATE TEMP TABLE stage AS SELECT id, amount FROM raw; INSERT INTO final (id, amount) SELECT id, amount FROM stage
-- sources: raw
-- targets: final
-- edges: raw.id>final.id, raw.amount>final.amount

=== intermediate table created and dropped in the script
CREATE TABLE tmp_x AS SELECT a, b FROM src; INSERT INTO dst (total) SELECT a + b FROM tmp_x; DROP TABLE tmp_x
-- sources: src
-- targets: dst
-- edges: src.a>dst.total, src.b>dst.total

=== intermediate table filled by insert
CREATE TEMPORARY TABLE t1 (k int, v text); INSERT INTO t1 SELECT id, name FROM people; INSERT INTO out (key, label) SELECT k, v FROM t1
-- sources: people
-- targets: out
-- edges: people.id>out.key, people.name>out.label

=== two intermediate steps
CREATE TEMP TABLE a AS SELECT x FROM src; CREATE TEMP TABLE b AS SELECT x * 2 AS y FROM a; INSERT INTO dst (z) SELECT y FROM b
-- sources: src
-- targets: dst
-- edges: src.x>dst.z

=== a kept table is both target and source
CREATE TABLE mid AS SELECT a FROM src; INSERT INTO dst (a) SELECT a FROM mid
-- sources: src, mid
-- targets: mid, dst
-- edges: src.a>mid.a, mid.a>dst.a

=== dropped table that was never created here is not intermediate
DROP TABLE IF EXISTS old_report; CREATE TABLE report AS SELECT id FROM facts
-- sources: facts
-- targets: report
-- edges: facts.id>report.id

=== drop if exists then create and use and drop
DROP TABLE IF EXISTS scratch; CREATE TABLE scratch AS SELECT id, v FROM a; INSERT INTO b (id, v) SELECT id, v FROM scratch; DROP TABLE scratch
-- sources: a
-- targets: b
-- edges: a.id>b.id, a.v>b.v

=== script with set and comments between
SET search_path = silver; -- switch
/* build */ INSERT INTO gold.x (a) SELECT a FROM silver.y;
-- sources: silver.y
-- targets: gold.x
-- edges: silver.y.a>gold.x.a

=== select into temp links through
SELECT id, total INTO TEMP agg FROM orders; INSERT INTO summary (id, total) SELECT id, total FROM agg
-- sources: orders
-- targets: summary
-- edges: orders.id>summary.id, orders.total>summary.total

=== temporary table joined with a real one
CREATE TEMP TABLE fx AS SELECT currency, rate FROM rates WHERE day = current_date; INSERT INTO php (amount) SELECT e.amount * fx.rate FROM expenses e JOIN fx ON fx.currency = e.currency
-- sources: rates, expenses
-- targets: php
-- edges: rates.rate>php.amount, expenses.amount>php.amount

=== transaction wrapper
BEGIN; INSERT INTO a (x) SELECT y FROM b; COMMIT;
-- sources: b
-- targets: a
-- edges: b.y>a.x

=== several independent statements
INSERT INTO a (x) SELECT y FROM b; INSERT INTO c (z) SELECT w FROM d
-- sources: b, d
-- targets: a, c
-- edges: b.y>a.x, d.w>c.z

=== view built from a temporary table
CREATE TEMP VIEW tv AS SELECT id, v FROM base; INSERT INTO out (id, v) SELECT id, v FROM tv
-- sources: base
-- targets: out
-- edges: base.id>out.id, base.v>out.v

=== intermediate star passes through with a known source
-- schema: src(a, b)
CREATE TEMP TABLE s AS SELECT * FROM src; INSERT INTO dst (a, b) SELECT a, b FROM s
-- sources: src
-- targets: dst
-- edges: src.a>dst.a, src.b>dst.b

=== the demo silver expenses build
CREATE TEMPORARY TABLE staged AS SELECT (payload ->> 'id')::int AS expense_id, (payload ->> 'amount')::numeric AS amount, payload ->> 'currency' AS currency FROM bronze.odoo_expense_events; INSERT INTO silver.expenses (expense_id, amount, currency) SELECT expense_id, amount, currency FROM staged; DROP TABLE staged
-- sources: bronze.odoo_expense_events
-- targets: silver.expenses
-- edges: bronze.odoo_expense_events.payload>silver.expenses.expense_id, bronze.odoo_expense_events.payload>silver.expenses.amount, bronze.odoo_expense_events.payload>silver.expenses.currency

=== the demo gold finance expenses build
INSERT INTO gold.finance_expenses (expense_id, vendor, amount_php) SELECT e.expense_id, v.vendor_name, CASE WHEN e.currency = 'PHP' THEN e.amount ELSE e.amount * 56 END FROM silver.expenses e JOIN silver.vendors v ON v.vendor_id = e.vendor_id
-- sources: silver.expenses, silver.vendors
-- targets: gold.finance_expenses
-- edges: silver.expenses.expense_id>gold.finance_expenses.expense_id, silver.vendors.vendor_name>gold.finance_expenses.vendor, silver.expenses.currency>gold.finance_expenses.amount_php, silver.expenses.amount>gold.finance_expenses.amount_php

=== dropping before building keeps the table a target
DROP TABLE IF EXISTS gold.t; CREATE TABLE gold.t AS SELECT a FROM s
-- sources: s
-- targets: gold.t
-- edges: s.a>gold.t.a

=== table created with on commit drop links through
CREATE TEMPORARY TABLE st ON COMMIT DROP AS SELECT payload ->> 'id' AS id FROM bronze.ev; INSERT INTO silver.x (id) SELECT id::int FROM st
-- sources: bronze.ev
-- targets: silver.x
-- edges: bronze.ev.payload>silver.x.id
