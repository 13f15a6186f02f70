=== concatenation gives an edge from each part
INSERT INTO people (full_name) SELECT first_name || ' ' || last_name FROM staff
-- sources: staff
-- targets: people
-- edges: staff.first_name>people.full_name, staff.last_name>people.full_name

=== case uses its conditions and results
INSERT INTO out (label) SELECT CASE WHEN amount > 100 THEN 'big' ELSE category END FROM t
-- sources: t
-- targets: out
-- edges: t.amount>out.label, t.category>out.label

=== case with a simple form
INSERT INTO out (label) SELECT CASE status WHEN 'p' THEN paid_at ELSE created_at END FROM t
-- sources: t
-- targets: out
-- edges: t.status>out.label, t.paid_at>out.label, t.created_at>out.label

=== cast with double colon
INSERT INTO out (amount) SELECT amount::numeric(12,2) FROM t
-- sources: t
-- targets: out
-- edges: t.amount>out.amount

=== cast function
INSERT INTO out (d) SELECT CAST(ts AS date) FROM t
-- sources: t
-- targets: out
-- edges: t.ts>out.d

=== nested functions
INSERT INTO out (v) SELECT round(coalesce(a, b, 0) * rate, 2) FROM t
-- sources: t
-- targets: out
-- edges: t.a>out.v, t.b>out.v, t.rate>out.v

=== arithmetic over two tables
INSERT INTO out (php) SELECT e.amount * r.rate FROM expenses e JOIN rates r ON r.currency = e.currency
-- sources: expenses, rates
-- targets: out
-- edges: expenses.amount>out.php, rates.rate>out.php

=== aggregate with filter
INSERT INTO out (paid) SELECT sum(amount) FILTER (WHERE status = 'paid') FROM t
-- sources: t
-- targets: out
-- edges: t.amount>out.paid, t.status>out.paid

=== window function uses partition and order columns
INSERT INTO out (running) SELECT sum(amount) OVER (PARTITION BY account ORDER BY booked_at) FROM ledger
-- sources: ledger
-- targets: out
-- edges: ledger.amount>out.running, ledger.account>out.running, ledger.booked_at>out.running

=== row number window
INSERT INTO out (id, rn) SELECT id, row_number() OVER (PARTITION BY grp ORDER BY ts DESC) FROM t
-- sources: t
-- targets: out
-- edges: t.id>out.id, t.grp>out.rn, t.ts>out.rn

=== lag window
INSERT INTO out (prev) SELECT lag(price) OVER (ORDER BY day) FROM prices
-- sources: prices
-- targets: out
-- edges: prices.price>out.prev, prices.day>out.prev

=== named window
INSERT INTO out (s) SELECT sum(x) OVER w FROM t WINDOW w AS (PARTITION BY g)
-- sources: t
-- targets: out
-- edges: t.x>out.s

=== coalesce and nullif
INSERT INTO out (v) SELECT nullif(coalesce(a, b), '') FROM t
-- sources: t
-- targets: out
-- edges: t.a>out.v, t.b>out.v

=== date functions
INSERT INTO out (month, year) SELECT date_trunc('month', ts), extract(year FROM ts) FROM t
-- sources: t
-- targets: out
-- edges: t.ts>out.month, t.ts>out.year

=== json operators
INSERT INTO out (vendor) SELECT payload ->> 'vendor' FROM events
-- sources: events
-- targets: out
-- edges: events.payload>out.vendor

=== nested json path
INSERT INTO out (city) SELECT (payload -> 'address' ->> 'city')::text FROM events
-- sources: events
-- targets: out
-- edges: events.payload>out.city

=== string functions
INSERT INTO out (code) SELECT upper(trim(substring(name FROM 1 FOR 3))) FROM t
-- sources: t
-- targets: out
-- edges: t.name>out.code

=== string agg with order
INSERT INTO out (names) SELECT string_agg(name, ', ' ORDER BY rank) FROM t
-- sources: t
-- targets: out
-- edges: t.name>out.names, t.rank>out.names

=== literal only has no edge
INSERT INTO out (a, b) SELECT 1, 'x' FROM t
-- sources: t
-- targets: out

=== now has no edge
INSERT INTO out (loaded_at, id) SELECT now(), id FROM t
-- sources: t
-- targets: out
-- edges: t.id>out.id

=== greatest of columns
INSERT INTO out (latest) SELECT greatest(created_at, updated_at) FROM t
-- sources: t
-- targets: out
-- edges: t.created_at>out.latest, t.updated_at>out.latest

=== boolean expression
INSERT INTO out (is_big) SELECT amount > limit_amount AND NOT blocked FROM t
-- sources: t
-- targets: out
-- edges: t.amount>out.is_big, t.limit_amount>out.is_big, t.blocked>out.is_big

=== in list with a column
INSERT INTO out (flag) SELECT status IN ('a', 'b') FROM t
-- sources: t
-- targets: out
-- edges: t.status>out.flag

=== between
INSERT INTO out (in_range) SELECT ts BETWEEN start_at AND end_at FROM t
-- sources: t
-- targets: out
-- edges: t.ts>out.in_range, t.start_at>out.in_range, t.end_at>out.in_range

=== distinct on
INSERT INTO latest (id, v) SELECT DISTINCT ON (id) id, v FROM t ORDER BY id, ts DESC
-- sources: t
-- targets: latest
-- edges: t.id>latest.id, t.v>latest.v

=== array aggregate
INSERT INTO out (ids) SELECT array_agg(DISTINCT id) FROM t
-- sources: t
-- targets: out
-- edges: t.id>out.ids
