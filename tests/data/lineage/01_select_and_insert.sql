=== select from one table reads it
SELECT a, b FROM t
-- sources: t

=== select qualified and mixed case names are lower case
SELECT "A", b FROM Silver.Expenses
-- sources: silver.expenses

=== select with where subquery reads both
SELECT a FROM t WHERE b IN (SELECT b FROM u)
-- sources: t, u

=== select with exists reads both
SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id)
-- sources: t, u

=== select join reads both
SELECT t.a, u.b FROM t JOIN u ON t.id = u.id
-- sources: t, u

=== select with three part name
SELECT x FROM warehouse.gold.sales
-- sources: warehouse.gold.sales

=== select from a function reads nothing
SELECT * FROM generate_series(1, 10) AS g(n)
-- sources:

=== select without from
SELECT 1 AS one, now() AS ts
-- sources:

=== select with group by and having subquery
SELECT region, sum(amount) FROM sales GROUP BY region HAVING sum(amount) > (SELECT avg(total) FROM targets)
-- sources: sales, targets

=== select lateral subquery
SELECT c.id, l.total FROM customers c CROSS JOIN LATERAL (SELECT sum(o.amount) AS total FROM orders o WHERE o.customer_id = c.id) l
-- sources: customers, orders

=== insert select with a column list
INSERT INTO gold.totals (region, total) SELECT region, sum(amount) FROM silver.sales GROUP BY region
-- sources: silver.sales
-- targets: gold.totals
-- edges: silver.sales.region>gold.totals.region, silver.sales.amount>gold.totals.total

=== insert select without a column list maps by the select names
INSERT INTO t2 SELECT a, b FROM t1
-- sources: t1
-- targets: t2
-- edges: t1.a>t2.a, t1.b>t2.b

=== insert select without a column list uses the target's columns when known
-- schema: t2(x, y); t1(a, b)
INSERT INTO t2 SELECT a, b FROM t1
-- sources: t1
-- targets: t2
-- edges: t1.a>t2.x, t1.b>t2.y

=== insert column list reorders
INSERT INTO t2 (y, x) SELECT a, b FROM t1
-- sources: t1
-- targets: t2
-- edges: t1.a>t2.y, t1.b>t2.x

=== insert values has a target and no sources
INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')
-- sources:
-- targets: t

=== insert with alias in select
INSERT INTO t2 (total) SELECT a + b AS s FROM t1
-- sources: t1
-- targets: t2
-- edges: t1.a>t2.total, t1.b>t2.total

=== insert literal and column
INSERT INTO t2 (a, b) SELECT 'fixed', c FROM t1
-- sources: t1
-- targets: t2
-- edges: t1.c>t2.b

=== insert on conflict still maps the select
INSERT INTO dim (id, name) SELECT id, name FROM staging ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name
-- sources: staging
-- targets: dim
-- edges: staging.id>dim.id, staging.name>dim.name

=== insert from a join
INSERT INTO out (name, total) SELECT c.name, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id
-- sources: customers, orders
-- targets: out
-- edges: customers.name>out.name, orders.amount>out.total

=== insert with a cte
WITH recent AS (SELECT id, amount FROM orders WHERE created_at > now() - interval '1 day') INSERT INTO daily (id, amount) SELECT id, amount FROM recent
-- sources: orders
-- targets: daily
-- edges: orders.id>daily.id, orders.amount>daily.amount

=== insert with a cte inside the select
INSERT INTO daily (id, amount) WITH recent AS (SELECT id, amount FROM orders) SELECT id, amount FROM recent
-- sources: orders
-- targets: daily
-- edges: orders.id>daily.id, orders.amount>daily.amount

=== insert count star is an edge from the table's star
INSERT INTO counts (region, n) SELECT region, count(*) FROM sales GROUP BY region
-- sources: sales
-- targets: counts
-- edges: sales.region>counts.region, sales.*>counts.n

=== insert count of a column
INSERT INTO counts (region, n) SELECT region, count(DISTINCT customer_id) FROM sales GROUP BY region
-- sources: sales
-- targets: counts
-- edges: sales.region>counts.region, sales.customer_id>counts.n

=== insert with a qualified target and source schema
INSERT INTO Gold.Finance_Expenses (amount_php) SELECT e.amount FROM Silver.Expenses AS e
-- sources: silver.expenses
-- targets: gold.finance_expenses
-- edges: silver.expenses.amount>gold.finance_expenses.amount_php

=== insert select star with a known source
-- schema: src(a, b, c)
INSERT INTO dst SELECT * FROM src
-- sources: src
-- targets: dst
-- edges: src.a>dst.a, src.b>dst.b, src.c>dst.c

=== insert select star without a schema
INSERT INTO dst SELECT * FROM src
-- sources: src
-- targets: dst
-- edges: src.*>dst.*

=== insert select star into a known target
-- schema: src(a, b); dst(x, y)
INSERT INTO dst SELECT * FROM src
-- sources: src
-- targets: dst
-- edges: src.a>dst.x, src.b>dst.y

=== insert where subquery is a source but not an edge
INSERT INTO t2 (a) SELECT a FROM t1 WHERE t1.id IN (SELECT id FROM allowed)
-- sources: t1, allowed
-- targets: t2
-- edges: t1.a>t2.a
