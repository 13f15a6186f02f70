=== create table as select
CREATE TABLE gold.summary AS SELECT vendor, sum(amount) AS total FROM silver.expenses GROUP BY vendor
-- sources: silver.expenses
-- targets: gold.summary
-- edges: silver.expenses.vendor>gold.summary.vendor, silver.expenses.amount>gold.summary.total

=== create table as with an unnamed aggregate takes the function name
CREATE TABLE s AS SELECT region, sum(amount) FROM sales GROUP BY region
-- sources: sales
-- targets: s
-- edges: sales.region>s.region, sales.amount>s.sum

=== create table as with column names
CREATE TABLE s (r, t) AS SELECT region, sum(amount) FROM sales GROUP BY region
-- sources: sales
-- targets: s
-- edges: sales.region>s.r, sales.amount>s.t

=== create table if not exists as
CREATE TABLE IF NOT EXISTS s AS SELECT a FROM t
-- sources: t
-- targets: s
-- edges: t.a>s.a

=== create view
CREATE VIEW gold.v AS SELECT id, upper(name) AS name FROM silver.people
-- sources: silver.people
-- targets: gold.v
-- edges: silver.people.id>gold.v.id, silver.people.name>gold.v.name

=== create or replace view
CREATE OR REPLACE VIEW v AS SELECT a, b FROM t
-- sources: t
-- targets: v
-- edges: t.a>v.a, t.b>v.b

=== create view with column names
CREATE VIEW v (x, y) AS SELECT a, b FROM t
-- sources: t
-- targets: v
-- edges: t.a>v.x, t.b>v.y

=== create materialized view
CREATE MATERIALIZED VIEW gold.mv AS SELECT date_trunc('month', d) AS month, sum(x) AS total FROM silver.f GROUP BY 1
-- sources: silver.f
-- targets: gold.mv
-- edges: silver.f.d>gold.mv.month, silver.f.x>gold.mv.total

=== create materialized view with no data
CREATE MATERIALIZED VIEW mv AS SELECT a FROM t WITH NO DATA
-- sources: t
-- targets: mv
-- edges: t.a>mv.a

=== create table with columns only is a target
CREATE TABLE t (a int, b text)
-- sources:
-- targets: t

=== create table then insert uses its columns
CREATE TABLE t (x int, y text); INSERT INTO t SELECT a, b FROM s
-- sources: s
-- targets: t
-- edges: s.a>t.x, s.b>t.y

=== create unlogged table as
CREATE UNLOGGED TABLE fast AS SELECT a FROM t
-- sources: t
-- targets: fast
-- edges: t.a>fast.a

=== select into creates a table
SELECT a, b INTO newt FROM t
-- sources: t
-- targets: newt
-- edges: t.a>newt.a, t.b>newt.b

=== create view over a join with aliases
CREATE VIEW v AS SELECT o.id AS order_id, c.name AS customer FROM orders o LEFT JOIN customers c ON c.id = o.customer_id
-- sources: orders, customers
-- targets: v
-- edges: orders.id>v.order_id, customers.name>v.customer

=== create view over a union
CREATE VIEW v AS SELECT a FROM t1 UNION SELECT b FROM t2
-- sources: t1, t2
-- targets: v
-- edges: t1.a>v.a, t2.b>v.a

=== create index moves nothing
CREATE INDEX idx ON t (a)
-- sources:
-- targets:
