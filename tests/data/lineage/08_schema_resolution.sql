=== star expands with the schema
-- schema: silver.vendors(vendor_id, vendor_name, country)
CREATE TABLE gold.v AS SELECT * FROM silver.vendors
-- sources: silver.vendors
-- targets: gold.v
-- edges: silver.vendors.vendor_id>gold.v.vendor_id, silver.vendors.vendor_name>gold.v.vendor_name, silver.vendors.country>gold.v.country

=== star of a join expands both sides
-- schema: a(id, x); b(bid, y)
CREATE TABLE j AS SELECT * FROM a JOIN b ON a.id = b.bid
-- sources: a, b
-- targets: j
-- edges: a.id>j.id, a.x>j.x, b.bid>j.bid, b.y>j.y

=== qualified star expands one side
-- schema: a(id, x); b(id, y)
CREATE TABLE j AS SELECT a.*, b.y FROM a JOIN b ON a.id = b.id
-- sources: a, b
-- targets: j
-- edges: a.id>j.id, a.x>j.x, b.y>j.y

=== unqualified columns resolved with the schema
-- schema: orders(id, customer_id, amount); customers(cid, name)
INSERT INTO out (name, amount) SELECT name, amount FROM orders JOIN customers ON cid = customer_id
-- sources: orders, customers
-- targets: out
-- edges: customers.name>out.name, orders.amount>out.amount

=== unqualified column without a schema in a join is unknown
INSERT INTO out (name) SELECT name FROM orders JOIN customers ON customers.id = orders.customer_id
-- sources: orders, customers
-- targets: out
-- edges: ?.name>out.name

=== unqualified column with a partial schema picks the known owner
-- schema: customers(id, name)
INSERT INTO out (name) SELECT name FROM orders JOIN customers ON customers.id = orders.customer_id
-- sources: orders, customers
-- targets: out
-- edges: customers.name>out.name

=== schema key without a schema name matches an unqualified table
-- schema: vendors(id, name)
CREATE TABLE x AS SELECT * FROM vendors
-- sources: vendors
-- targets: x
-- edges: vendors.id>x.id, vendors.name>x.name

=== qualified schema key matches an unqualified reference
-- schema: silver.vendors(id, name)
CREATE TABLE x AS SELECT * FROM vendors
-- sources: vendors
-- targets: x
-- edges: vendors.id>x.id, vendors.name>x.name

=== star through a cte with the schema
-- schema: t(a, b)
WITH c AS (SELECT * FROM t) INSERT INTO out (a, b) SELECT * FROM c
-- sources: t
-- targets: out
-- edges: t.a>out.a, t.b>out.b

=== star in a union with the schema
-- schema: t1(a); t2(b)
CREATE TABLE u AS SELECT * FROM t1 UNION ALL SELECT * FROM t2
-- sources: t1, t2
-- targets: u
-- edges: t1.a>u.a, t2.b>u.a

=== insert by position into a table created earlier in the script
CREATE TABLE t (p int, q int); INSERT INTO t SELECT x, y FROM s
-- sources: s
-- targets: t
-- edges: s.x>t.p, s.y>t.q

=== star from a table created earlier in the script
CREATE TABLE mid (a int, b int); INSERT INTO dst SELECT * FROM mid
-- sources: mid
-- targets: mid, dst
-- edges: mid.a>dst.a, mid.b>dst.b

=== join using with star and schema lists the column once from both sides
-- schema: a(id, x); b(id, y)
CREATE TABLE j AS SELECT * FROM a JOIN b USING (id)
-- sources: a, b
-- targets: j
-- edges: a.id>j.id, b.id>j.id, a.x>j.x, b.y>j.y

=== column of an outer query in a correlated scalar subquery
-- schema: customers(id, name); orders(id, customer_id, amount)
INSERT INTO out (name, n) SELECT name, (SELECT count(*) FROM orders WHERE customer_id = customers.id) FROM customers
-- sources: customers, orders
-- targets: out
-- edges: customers.name>out.name, orders.*>out.n

=== quoted mixed case names are lower case
INSERT INTO "Gold"."Report" ("Total") SELECT "Amount" FROM "Silver"."Sales"
-- sources: silver.sales
-- targets: gold.report
-- edges: silver.sales.amount>gold.report.total

=== table alias same as another table name
INSERT INTO out (v) SELECT b.v FROM a AS b
-- sources: a
-- targets: out
-- edges: a.v>out.v

=== schema qualified column reference
INSERT INTO out (v) SELECT silver.t.v FROM silver.t
-- sources: silver.t
-- targets: out
-- edges: silver.t.v>out.v
