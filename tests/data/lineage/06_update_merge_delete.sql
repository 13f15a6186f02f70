=== update from another table
UPDATE t SET a = s.x FROM s WHERE t.id = s.id
-- sources: s
-- targets: t
-- edges: s.x>t.a

=== update with an alias
UPDATE silver.expenses AS e SET vendor_name = v.name FROM silver.vendors v WHERE v.id = e.vendor_id
-- sources: silver.vendors
-- targets: silver.expenses
-- edges: silver.vendors.name>silver.expenses.vendor_name

=== update from its own columns
UPDATE t SET total = price * quantity
-- sources: t
-- targets: t
-- edges: t.price>t.total, t.quantity>t.total

=== update with a literal
UPDATE t SET status = 'done' WHERE id = 1
-- sources:
-- targets: t

=== update several columns
UPDATE t SET a = s.a, b = s.b || t.b FROM s WHERE s.id = t.id
-- sources: s, t
-- targets: t
-- edges: s.a>t.a, s.b>t.b, t.b>t.b

=== update with a scalar subquery
UPDATE customers c SET total = (SELECT sum(o.amount) FROM orders o WHERE o.customer_id = c.id)
-- sources: orders
-- targets: customers
-- edges: orders.amount>customers.total

=== update from a join of two tables
UPDATE t SET v = a.x + b.y FROM a JOIN b ON a.id = b.id WHERE t.id = a.id
-- sources: a, b
-- targets: t
-- edges: a.x>t.v, b.y>t.v

=== update with a where subquery reads it
UPDATE t SET flag = true WHERE id IN (SELECT id FROM flagged)
-- sources: flagged
-- targets: t

=== update from a subquery
UPDATE t SET n = x.n FROM (SELECT id, count(*) AS n FROM events GROUP BY id) x WHERE x.id = t.id
-- sources: events
-- targets: t
-- edges: events.*>t.n

=== update with a cte
WITH totals AS (SELECT id, sum(v) AS s FROM facts GROUP BY id) UPDATE t SET total = totals.s FROM totals WHERE totals.id = t.id
-- sources: facts
-- targets: t
-- edges: facts.v>t.total

=== merge update and insert
MERGE INTO dim_vendor d USING staging_vendor s ON d.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name)
-- sources: staging_vendor
-- targets: dim_vendor
-- edges: staging_vendor.name>dim_vendor.name, staging_vendor.id>dim_vendor.id

=== merge with a subquery source
MERGE INTO t USING (SELECT id, sum(v) AS total FROM f GROUP BY id) AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET total = s.total
-- sources: f
-- targets: t
-- edges: f.v>t.total

=== merge delete only
MERGE INTO t USING gone g ON t.id = g.id WHEN MATCHED THEN DELETE
-- sources: gone
-- targets: t

=== merge with conditions
MERGE INTO t USING s ON t.id = s.id WHEN MATCHED AND s.deleted THEN DELETE WHEN MATCHED THEN UPDATE SET v = s.v, updated_at = now() WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)
-- sources: s
-- targets: t
-- edges: s.v>t.v, s.id>t.id

=== merge insert expression
MERGE INTO t USING s ON t.k = s.k WHEN NOT MATCHED THEN INSERT (k, label) VALUES (s.k, upper(s.a) || s.b)
-- sources: s
-- targets: t
-- edges: s.k>t.k, s.a>t.label, s.b>t.label

=== merge update from target and source
MERGE INTO stock t USING moves m ON t.sku = m.sku WHEN MATCHED THEN UPDATE SET qty = t.qty + m.delta
-- sources: moves, stock
-- targets: stock
-- edges: stock.qty>stock.qty, moves.delta>stock.qty

=== delete with using reads
DELETE FROM t USING s WHERE t.id = s.id
-- sources: s

=== delete with a subquery reads
DELETE FROM t WHERE id IN (SELECT id FROM bad)
-- sources: bad

=== truncate moves nothing
TRUNCATE TABLE t
-- sources:
