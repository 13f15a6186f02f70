-- Platinum BIR withholding: expanded withholding tax per supplier per quarter (BIR Form 1601-EQ basis).
CREATE TABLE platinum.bir_withholding_summary (
    quarter text,
    vendor_id int,
    vendor text,
    tin text,
    gross_amount_php numeric(14,2),
    withholding_tax_php numeric(14,2)
);
WITH ewt_rate (category, rate) AS (
    VALUES ('Professional Fees', 0.10::numeric), ('Rent', 0.05::numeric),
           ('Repairs & Maintenance', 0.02::numeric), ('Training & Seminars', 0.02::numeric),
           ('Communications', 0.02::numeric), ('Utilities', 0.02::numeric),
           ('Software & Subscriptions', 0.02::numeric)
)
INSERT INTO platinum.bir_withholding_summary (quarter, vendor_id, vendor, tin, gross_amount_php,
                                              withholding_tax_php)
SELECT
    to_char(f.expense_date, 'YYYY') || '-Q' || to_char(f.expense_date, 'Q'),
    f.vendor_id,
    f.vendor,
    v.tin,
    sum(f.amount_php)::numeric(14,2),
    sum(round(f.amount_php * COALESCE(r.rate, 0.01), 2))::numeric(14,2)
FROM gold.finance_expenses f
JOIN silver.vendors v ON v.vendor_id = f.vendor_id
LEFT JOIN ewt_rate r ON r.category = f.category
WHERE f.status IN ('approved', 'paid') AND v.country = 'Philippines'
GROUP BY 1, 2, 3, 4;
COMMENT ON TABLE platinum.bir_withholding_summary IS
    'Expanded withholding tax owed to BIR per Philippine supplier per quarter (10% professional fees, 5% rent, 2% services, 1% goods).';
COMMENT ON COLUMN platinum.bir_withholding_summary.quarter IS 'Calendar quarter, e.g. 2025-Q3.';
COMMENT ON COLUMN platinum.bir_withholding_summary.vendor_id IS 'Supplier id (silver.vendors).';
COMMENT ON COLUMN platinum.bir_withholding_summary.vendor IS 'Supplier name.';
COMMENT ON COLUMN platinum.bir_withholding_summary.tin IS 'Supplier TIN reported to BIR.';
COMMENT ON COLUMN platinum.bir_withholding_summary.gross_amount_php IS 'Approved or paid spend in the quarter, PHP.';
COMMENT ON COLUMN platinum.bir_withholding_summary.withholding_tax_php IS 'Expanded withholding tax on that spend, PHP.';

-- Fresh statistics for the planner and the catalog's estimates.
ANALYZE platinum.bir_withholding_summary;
