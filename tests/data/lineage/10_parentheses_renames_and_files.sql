=== parenthesised table
SELECT * FROM (tab1)
-- sources: tab1

=== parenthesised join
INSERT INTO out (id) SELECT tab1.id FROM (tab1 LEFT JOIN tab2 ON tab1.id = tab2.id)
-- sources: tab1, tab2
-- targets: out
-- edges: tab1.id>out.id

=== parenthesised join using
INSERT INTO out (id) SELECT id FROM (tab1 LEFT JOIN tab2 USING (id))
-- sources: tab1, tab2
-- targets: out
-- edges: tab1.id>out.id, tab2.id>out.id

=== parenthesised join tree with aliases inside
INSERT INTO out (a, b, c) SELECT x.a, y.b, z.c FROM ((t1 AS x JOIN t2 AS y ON x.id = y.id) LEFT JOIN t3 z USING (id))
-- sources: t1, t2, t3
-- targets: out
-- edges: t1.a>out.a, t2.b>out.b, t3.c>out.c

=== parenthesised join tree four deep
INSERT INTO out (id, v) SELECT t1.id, t5.v FROM ((((t1 LEFT JOIN t2 ON t1.id = t2.id) LEFT JOIN t3 ON t1.id = t3.id) LEFT JOIN t4 ON t1.id = t4.id) LEFT JOIN t5 ON t1.id = t5.id)
-- sources: t1, t2, t3, t4, t5
-- targets: out
-- edges: t1.id>out.id, t5.v>out.v

=== parenthesised join with a subquery in its on clause
SELECT a.x FROM (a JOIN b ON a.id = (SELECT max(id) FROM c))
-- sources: a, b, c

=== parenthesised join after a plain table
INSERT INTO out (n, m) SELECT p.n, q.m FROM p JOIN (q JOIN r ON q.id = r.id) ON p.id = q.id
-- sources: p, q, r
-- targets: out
-- edges: p.n>out.n, q.m>out.m

=== parenthesised join of a subquery and a table
INSERT INTO out (a, b) SELECT s.a, t.b FROM ((SELECT id, a FROM src) s JOIN t ON s.id = t.id)
-- sources: src, t
-- targets: out
-- edges: src.a>out.a, t.b>out.b

=== aliased parenthesised join
INSERT INTO out (x, y) SELECT j.x, j.y FROM (a JOIN b USING (id)) AS j
-- schema: a(id, x); b(id, y)
-- sources: a, b
-- targets: out
-- edges: a.x>out.x, b.y>out.y

=== update from a join of aliased tables
UPDATE users SET email = s2.email FROM staging_1 s1 JOIN staging_2 s2 ON s1.k = s2.k WHERE users.id = s1.id
-- sources: staging_1, staging_2
-- targets: users
-- edges: staging_2.email>users.email

=== update from comma listed aliased tables
UPDATE users u SET email = s2.email, name = s1.name FROM staging_1 AS s1, staging_2 AS s2 WHERE u.id = s1.id AND s1.k = s2.k
-- sources: staging_1, staging_2
-- targets: users
-- edges: staging_2.email>users.email, staging_1.name>users.name

=== update from three joined tables
UPDATE t SET v = b.v + c.w FROM a JOIN b ON a.id = b.id LEFT JOIN c ON c.id = b.id WHERE t.id = a.id
-- sources: a, b, c
-- targets: t
-- edges: b.v>t.v, c.w>t.v

=== join using between unaliased subqueries
INSERT INTO tab3 SELECT f1 FROM (SELECT f1 FROM tab1) LEFT JOIN (SELECT f1 FROM tab2) USING (f1)
-- sources: tab1, tab2
-- targets: tab3
-- edges: tab1.f1>tab3.f1, tab2.f1>tab3.f1

=== join using between subqueries with a star
INSERT INTO o SELECT * FROM (SELECT id, a FROM t1) x JOIN (SELECT id, b FROM t2) y USING (id)
-- sources: t1, t2
-- targets: o
-- edges: t1.id>o.id, t2.id>o.id, t1.a>o.a, t2.b>o.b

=== join using between subqueries of unknown columns
INSERT INTO o (k) SELECT k FROM (SELECT * FROM t1) x FULL JOIN (SELECT * FROM t2) y USING (k)
-- sources: t1, t2
-- targets: o
-- edges: t1.k>o.k, t2.k>o.k

=== select into from a union
SELECT id, name INTO people FROM staff UNION ALL SELECT id, name FROM contractors
-- sources: staff, contractors
-- targets: people
-- edges: staff.id>people.id, staff.name>people.name, contractors.id>people.id, contractors.name>people.name

=== select into a temporary table from a union is a step
SELECT id INTO TEMP ids FROM a UNION SELECT id FROM b; INSERT INTO out (id) SELECT id FROM ids
-- sources: a, b
-- targets: out
-- edges: a.id>out.id, b.id>out.id

=== create table with columns if not exists
CREATE TABLE IF NOT EXISTS gold.kpis (day date, revenue numeric)
-- targets: gold.kpis

=== create table like
CREATE TABLE tab1 LIKE tab2
-- sources: tab2
-- targets: tab1

=== create table with like in its column list
-- schema: silver.orders(id, amount)
CREATE TABLE silver.orders_copy (LIKE silver.orders INCLUDING ALL); INSERT INTO silver.orders_copy SELECT * FROM silver.orders
-- sources: silver.orders
-- targets: silver.orders_copy
-- edges: silver.orders.id>silver.orders_copy.id, silver.orders.amount>silver.orders_copy.amount

=== rename after writing
INSERT INTO tab1 SELECT * FROM tab2; ALTER TABLE tab1 RENAME TO tab3;
-- sources: tab2
-- targets: tab3
-- edges: tab2.*>tab3.*

=== rename keeps the schema
CREATE TABLE gold.daily_new AS SELECT day, sum(amount) AS total FROM silver.sales GROUP BY day; ALTER TABLE gold.daily_new RENAME TO daily
-- sources: silver.sales
-- targets: gold.daily
-- edges: silver.sales.day>gold.daily.day, silver.sales.amount>gold.daily.total

=== rename a column after writing
CREATE TABLE t AS SELECT a FROM s; ALTER TABLE t RENAME COLUMN a TO b
-- sources: s
-- targets: t
-- edges: s.a>t.b

=== rename of a table the script did not write
ALTER TABLE tab1 RENAME TO tab2
-- sources:

=== copy from a file
COPY bronze.raw_orders FROM '/data/orders.csv' WITH (FORMAT csv, HEADER true)
-- sources: /data/orders.csv
-- targets: bronze.raw_orders

=== copy from a bucket path
COPY tab1 FROM 's3://mybucket/mypath'
-- sources: s3://mybucket/mypath
-- targets: tab1

=== copy from stdin has no source
COPY t (a, b) FROM STDIN
-- targets: t

=== copy a query to a file
COPY (SELECT id, amount FROM gold.sales) TO '/exports/sales.csv' WITH (FORMAT csv)
-- sources: gold.sales
-- targets: /exports/sales.csv
-- edges: gold.sales.id>/exports/sales.csv.id, gold.sales.amount>/exports/sales.csv.amount

=== count star from a join counts both tables
INSERT INTO out (region, n) SELECT c.region, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.region
-- sources: customers, orders
-- targets: out
-- edges: customers.region>out.region, customers.*>out.n, orders.*>out.n

=== count of a constant is a whole row count
CREATE TABLE n AS SELECT count(1) AS rows_seen FROM events
-- sources: events
-- targets: n
-- edges: events.*>n.rows_seen

=== count star with a filter
INSERT INTO out (big) SELECT count(*) FILTER (WHERE amount > 100) FROM orders
-- sources: orders
-- targets: out
-- edges: orders.*>out.big, orders.amount>out.big

=== count star through a temporary table
CREATE TEMP TABLE s AS SELECT id, kind FROM raw; INSERT INTO out (n) SELECT count(*) FROM s
-- sources: raw
-- targets: out
-- edges: raw.*>out.n

=== later union branch wider than the first
INSERT INTO tgt (x, y) SELECT a FROM t1 UNION ALL SELECT b, c FROM t2
-- sources: t1, t2
-- targets: tgt
-- edges: t1.a>tgt.x, t2.b>tgt.x, t2.c>tgt.y

=== later union branch wider without a column list
CREATE TABLE u AS SELECT a FROM t1 UNION ALL SELECT b, c FROM t2
-- sources: t1, t2
-- targets: u
-- edges: t1.a>u.a, t2.b>u.a, t2.c>u.c
