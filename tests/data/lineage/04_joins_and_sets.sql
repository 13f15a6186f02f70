=== join using merges the column from both sides
INSERT INTO out (id) SELECT id FROM a JOIN b USING (id)
-- sources: a, b
-- targets: out
-- edges: a.id>out.id, b.id>out.id

=== join using with other qualified columns
INSERT INTO out (id, x, y) SELECT id, a.x, b.y FROM a JOIN b USING (id)
-- sources: a, b
-- targets: out
-- edges: a.id>out.id, b.id>out.id, a.x>out.x, b.y>out.y

=== natural join with known schemas
-- schema: a(id, x); b(id, y)
INSERT INTO out (id, x, y) SELECT id, x, y FROM a NATURAL JOIN b
-- sources: a, b
-- targets: out
-- edges: a.id>out.id, b.id>out.id, a.x>out.x, b.y>out.y

=== left join
INSERT INTO out (name, amount) SELECT c.name, coalesce(o.amount, 0) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
-- sources: customers, orders
-- targets: out
-- edges: customers.name>out.name, orders.amount>out.amount

=== full outer join with coalesce over both
INSERT INTO out (k) SELECT coalesce(a.k, b.k) FROM a FULL OUTER JOIN b ON a.k = b.k
-- sources: a, b
-- targets: out
-- edges: a.k>out.k, b.k>out.k

=== self join with aliases
INSERT INTO pairs (emp, boss) SELECT e.name, m.name FROM staff e JOIN staff m ON e.manager_id = m.id
-- sources: staff
-- targets: pairs
-- edges: staff.name>pairs.emp, staff.name>pairs.boss

=== comma join
INSERT INTO out (a, b) SELECT t.a, u.b FROM t, u WHERE t.id = u.id
-- sources: t, u
-- targets: out
-- edges: t.a>out.a, u.b>out.b

=== three way join
INSERT INTO out (a, b, c) SELECT x.a, y.b, z.c FROM x JOIN y ON x.id = y.id JOIN z ON z.id = y.id
-- sources: x, y, z
-- targets: out
-- edges: x.a>out.a, y.b>out.b, z.c>out.c

=== union all
INSERT INTO all_events (id, kind) SELECT id, 'click' FROM clicks UNION ALL SELECT id, 'view' FROM views
-- sources: clicks, views
-- targets: all_events
-- edges: clicks.id>all_events.id, views.id>all_events.id

=== union positional mapping
INSERT INTO out (a, b) SELECT x, y FROM t1 UNION SELECT p, q FROM t2
-- sources: t1, t2
-- targets: out
-- edges: t1.x>out.a, t1.y>out.b, t2.p>out.a, t2.q>out.b

=== intersect
INSERT INTO both_ids (id) SELECT id FROM a INTERSECT SELECT id FROM b
-- sources: a, b
-- targets: both_ids
-- edges: a.id>both_ids.id, b.id>both_ids.id

=== except
INSERT INTO only_a (id) SELECT id FROM a EXCEPT SELECT id FROM b
-- sources: a, b
-- targets: only_a
-- edges: a.id>only_a.id, b.id>only_a.id

=== three way union
CREATE TABLE u AS SELECT a FROM t1 UNION SELECT b FROM t2 UNION SELECT c FROM t3
-- sources: t1, t2, t3
-- targets: u
-- edges: t1.a>u.a, t2.b>u.a, t3.c>u.a

=== union inside a cte
WITH x AS (SELECT a FROM t1 UNION ALL SELECT a FROM t2) INSERT INTO out (a) SELECT a FROM x
-- sources: t1, t2
-- targets: out
-- edges: t1.a>out.a, t2.a>out.a

=== union with a subquery
INSERT INTO out (a) SELECT a FROM (SELECT a FROM t1 UNION SELECT b FROM t2) s
-- sources: t1, t2
-- targets: out
-- edges: t1.a>out.a, t2.b>out.a
