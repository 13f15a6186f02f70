-- Gold finance expenses: each expense with names resolved and its amount converted to pesos.
CREATE TABLE gold.finance_expenses (
    expense_id int,
    expense_date date,
    vendor text,
    vendor_id int,
    category text,
    department text,
    employee text,
    amount numeric(12,2),
    currency text,
    amount_php numeric(12,2),
    status text
);
WITH fx (currency, php_rate) AS (
    VALUES ('PHP', 1.0::numeric), ('USD', 56.50::numeric), ('EUR', 61.25::numeric)
)
INSERT INTO gold.finance_expenses (expense_id, expense_date, vendor, vendor_id, category, department,
                                   employee, amount, currency, amount_php, status)
SELECT
    e.expense_id,
    e.expense_date,
    v.vendor_name,
    e.vendor_id,
    COALESCE(c.name, e.category_code),
    emp.department,
    emp.full_name,
    e.amount,
    e.currency,
    CASE WHEN e.currency = 'PHP' THEN e.amount ELSE round(e.amount * fx.php_rate, 2) END,
    e.status
FROM silver.expenses e
JOIN fx ON fx.currency = e.currency
LEFT JOIN silver.vendors v ON v.vendor_id = e.vendor_id
LEFT JOIN silver.expense_categories c ON c.code = e.category_code
LEFT JOIN silver.employees emp ON emp.employee_id = e.employee_id;
COMMENT ON TABLE gold.finance_expenses IS
    'Expense mart: every claim with vendor, category, department and employee names and its amount in PHP.';
COMMENT ON COLUMN gold.finance_expenses.expense_id IS 'Expense claim id (silver.expenses).';
COMMENT ON COLUMN gold.finance_expenses.expense_date IS 'Date the expense was incurred.';
COMMENT ON COLUMN gold.finance_expenses.vendor IS 'Supplier name; null when no vendor was recorded.';
COMMENT ON COLUMN gold.finance_expenses.vendor_id IS 'Supplier id (silver.vendors).';
COMMENT ON COLUMN gold.finance_expenses.category IS 'Category name, or the raw code when the code is unknown.';
COMMENT ON COLUMN gold.finance_expenses.department IS 'Department of the employee who filed the claim.';
COMMENT ON COLUMN gold.finance_expenses.employee IS 'Name of the employee who filed the claim.';
COMMENT ON COLUMN gold.finance_expenses.amount IS 'Claimed amount in the original currency.';
COMMENT ON COLUMN gold.finance_expenses.currency IS 'Original currency: PHP, USD or EUR.';
COMMENT ON COLUMN gold.finance_expenses.amount_php IS 'Amount converted to Philippine pesos at the fixed book rate.';
COMMENT ON COLUMN gold.finance_expenses.status IS 'Claim status: draft, submitted, approved, paid or refused.';

-- Fresh statistics so the next build step plans its joins well.
ANALYZE gold.finance_expenses;
