-- Gold vendor monthly spend: approved and paid spend per supplier per month, in pesos.
CREATE TABLE gold.vendor_monthly_spend (
    month date,
    vendor_id int,
    vendor text,
    expense_count int,
    total_amount_php numeric(14,2)
);
INSERT INTO gold.vendor_monthly_spend (month, vendor_id, vendor, expense_count, total_amount_php)
SELECT
    date_trunc('month', f.expense_date)::date,
    f.vendor_id,
    f.vendor,
    count(*)::int,
    sum(f.amount_php)::numeric(14,2)
FROM gold.finance_expenses f
WHERE f.status IN ('approved', 'paid') AND f.vendor_id IS NOT NULL
GROUP BY 1, 2, 3;
COMMENT ON TABLE gold.vendor_monthly_spend IS
    'Supplier spend per month: number of approved or paid claims and their total in PHP.';
COMMENT ON COLUMN gold.vendor_monthly_spend.month IS 'First day of the month.';
COMMENT ON COLUMN gold.vendor_monthly_spend.vendor_id IS 'Supplier id (silver.vendors).';
COMMENT ON COLUMN gold.vendor_monthly_spend.vendor IS 'Supplier name.';
COMMENT ON COLUMN gold.vendor_monthly_spend.expense_count IS 'Approved or paid claims in the month.';
COMMENT ON COLUMN gold.vendor_monthly_spend.total_amount_php IS 'Total of those claims in PHP.';

-- Fresh statistics for the planner and the catalog's estimates.
ANALYZE gold.vendor_monthly_spend;
