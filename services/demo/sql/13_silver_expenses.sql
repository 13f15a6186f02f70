-- Silver expenses: one row per expense, latest version, malformed events dropped, Odoo states renamed
-- (read from the staging table that parsed each bronze payload once).
CREATE TABLE silver.expenses (
    expense_id int PRIMARY KEY,
    expense_date date NOT NULL,
    employee_id int,
    vendor_id int NULL,
    category_code text,
    description text,
    amount numeric(12,2) NOT NULL,
    currency text NOT NULL,
    status text NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'paid', 'refused')),
    updated_at timestamptz
);
INSERT INTO silver.expenses (expense_id, expense_date, employee_id, vendor_id, category_code, description,
                             amount, currency, status, updated_at)
SELECT DISTINCT ON (id::int)
    id::int,
    date::date,
    employee_id::int,
    vendor_id::int,
    category_code,
    name,
    total_amount::numeric(12,2),
    currency,
    CASE state WHEN 'reported' THEN 'submitted' WHEN 'done' THEN 'paid' ELSE state END,
    write_date::timestamp AT TIME ZONE 'UTC'
FROM stage_expense_events
WHERE well_formed
ORDER BY id::int, write_date DESC, event_id DESC;
COMMENT ON TABLE silver.expenses IS
    'Employee expense claims, deduplicated and typed; malformed source events are excluded.';
COMMENT ON COLUMN silver.expenses.expense_id IS 'Odoo hr.expense id.';
COMMENT ON COLUMN silver.expenses.expense_date IS 'Date the expense was incurred.';
COMMENT ON COLUMN silver.expenses.employee_id IS 'Employee who filed the claim (silver.employees).';
COMMENT ON COLUMN silver.expenses.vendor_id IS 'Supplier paid (silver.vendors); null when no vendor was recorded.';
COMMENT ON COLUMN silver.expenses.category_code IS
    'Expense category code; some legacy codes have no row in silver.expense_categories.';
COMMENT ON COLUMN silver.expenses.description IS 'What the expense was for, as the employee wrote it.';
COMMENT ON COLUMN silver.expenses.amount IS 'Claimed amount in the original currency.';
COMMENT ON COLUMN silver.expenses.currency IS 'ISO currency of the amount: PHP, USD or EUR.';
COMMENT ON COLUMN silver.expenses.status IS 'Claim status: draft, submitted, approved, paid or refused.';
COMMENT ON COLUMN silver.expenses.updated_at IS 'Last change of the claim in Odoo.';

DROP TABLE stage_expense_events;

-- Fresh statistics so the next build step plans its joins well.
ANALYZE silver.expenses;
