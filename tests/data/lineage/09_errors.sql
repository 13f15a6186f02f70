=== unclosed parenthesis
SELECT (a FROM t
-- error: 10

=== missing table name
SELECT a FROM WHERE x = 1
-- error: 14

=== garbage on the second line
INSERT INTO t (a) SELECT 1;
SELECT FROM FROM
-- error: 40

=== not a statement
SELEC x
-- error: 0

=== unterminated string
SELECT 'abc FROM t
-- error
