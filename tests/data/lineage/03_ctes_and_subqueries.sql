=== cte passes lineage through
WITH x AS (SELECT a, b FROM t) INSERT INTO out (a, b) SELECT a, b FROM x
-- sources: t
-- targets: out
-- edges: t.a>out.a, t.b>out.b

=== cte is not a source
WITH x AS (SELECT a FROM t) SELECT a FROM x
-- sources: t

=== two ctes chained
WITH x AS (SELECT a FROM t), y AS (SELECT a * 2 AS d FROM x) INSERT INTO out (d) SELECT d FROM y
-- sources: t
-- targets: out
-- edges: t.a>out.d

=== cte with column names
WITH x (p, q) AS (SELECT a, b FROM t) INSERT INTO out (p) SELECT p FROM x
-- sources: t
-- targets: out
-- edges: t.a>out.p

=== cte joined to a table
WITH totals AS (SELECT customer_id, sum(amount) AS total FROM orders GROUP BY customer_id) INSERT INTO report (name, total) SELECT c.name, t.total FROM customers c JOIN totals t ON t.customer_id = c.id
-- sources: orders, customers
-- targets: report
-- edges: customers.name>report.name, orders.amount>report.total

=== recursive cte
WITH RECURSIVE tree (id, parent_id, depth) AS (SELECT id, parent_id, 0 FROM nodes WHERE parent_id IS NULL UNION ALL SELECT n.id, n.parent_id, t.depth + 1 FROM nodes n JOIN tree t ON n.parent_id = t.id) INSERT INTO flat (id, depth) SELECT id, depth FROM tree
-- sources: nodes
-- targets: flat
-- edges: nodes.id>flat.id

=== recursive cte counting
CREATE TABLE nums AS WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT n FROM r
-- sources:
-- targets: nums

=== recursive cte with a base table column flowing through the step
WITH RECURSIVE chain AS (SELECT id, name FROM emp WHERE boss IS NULL UNION ALL SELECT e.id, c.name || '/' || e.name FROM emp e JOIN chain c ON e.boss = c.id) INSERT INTO paths (id, path) SELECT id, name FROM chain
-- sources: emp
-- targets: paths
-- edges: emp.id>paths.id, emp.name>paths.path

=== cte shadows a table of the same name
WITH orders AS (SELECT id, total FROM raw_orders) INSERT INTO out (id, total) SELECT id, total FROM orders
-- sources: raw_orders
-- targets: out
-- edges: raw_orders.id>out.id, raw_orders.total>out.total

=== subquery in from
INSERT INTO out (a) SELECT s.a FROM (SELECT a FROM t) AS s
-- sources: t
-- targets: out
-- edges: t.a>out.a

=== subquery in from renames
INSERT INTO out (total) SELECT s.x FROM (SELECT a + b AS x FROM t) s
-- sources: t
-- targets: out
-- edges: t.a>out.total, t.b>out.total

=== subquery alias with column names
INSERT INTO out (v) SELECT s.p FROM (SELECT a FROM t) AS s (p)
-- sources: t
-- targets: out
-- edges: t.a>out.v

=== nested subqueries
INSERT INTO out (v) SELECT z FROM (SELECT y AS z FROM (SELECT x AS y FROM t) a) b
-- sources: t
-- targets: out
-- edges: t.x>out.v

=== scalar subquery in the select list
INSERT INTO out (id, latest) SELECT c.id, (SELECT max(o.created_at) FROM orders o WHERE o.customer_id = c.id) FROM customers c
-- sources: customers, orders
-- targets: out
-- edges: customers.id>out.id, orders.created_at>out.latest

=== correlated subquery in where only reads
INSERT INTO out (id) SELECT c.id FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)
-- sources: customers, orders
-- targets: out
-- edges: customers.id>out.id

=== in subquery in where
INSERT INTO out (id) SELECT id FROM a WHERE id NOT IN (SELECT a_id FROM b)
-- sources: a, b
-- targets: out
-- edges: a.id>out.id

=== subquery in join
INSERT INTO out (name, n) SELECT c.name, x.n FROM customers c JOIN (SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id) x ON x.customer_id = c.id
-- sources: customers, orders
-- targets: out
-- edges: customers.name>out.name, orders.*>out.n

=== subquery with star from a known table
-- schema: t(a, b)
INSERT INTO out (a, b) SELECT s.a, s.b FROM (SELECT * FROM t) s
-- sources: t
-- targets: out
-- edges: t.a>out.a, t.b>out.b

=== subquery with star from an unknown table
INSERT INTO out (a) SELECT s.a FROM (SELECT * FROM t) s
-- sources: t
-- targets: out
-- edges: t.a>out.a

=== lateral subquery feeds a column
INSERT INTO out (id, total) SELECT c.id, l.total FROM customers c CROSS JOIN LATERAL (SELECT sum(o.amount) AS total FROM orders o WHERE o.customer_id = c.id) l
-- sources: customers, orders
-- targets: out
-- edges: customers.id>out.id, orders.amount>out.total

=== values in from
INSERT INTO out (code, label) SELECT v.code, v.label FROM (VALUES (1, 'a'), (2, 'b')) AS v (code, label)
-- sources:
-- targets: out
