-- Silver expense categories: the chart-of-accounts mapping maintained by finance (a seed list).
CREATE TABLE silver.expense_categories (
    code text PRIMARY KEY,
    name text NOT NULL,
    account_code text NOT NULL
);
INSERT INTO silver.expense_categories (code, name, account_code) VALUES
    ('MEAL', 'Meals & Entertainment', '6110'),
    ('TRVL', 'Travel - Airfare', '6120'),
    ('LODG', 'Travel - Lodging', '6121'),
    ('TRNS', 'Local Transportation', '6130'),
    ('OFFC', 'Office Supplies', '6210'),
    ('COMM', 'Communications', '6220'),
    ('SOFT', 'Software & Subscriptions', '6230'),
    ('TRNG', 'Training & Seminars', '6310'),
    ('PROF', 'Professional Fees', '6410'),
    ('RENT', 'Rent', '6510'),
    ('UTIL', 'Utilities', '6520'),
    ('REPR', 'Repairs & Maintenance', '6610');
COMMENT ON TABLE silver.expense_categories IS 'Expense categories and the GL account each posts to.';
COMMENT ON COLUMN silver.expense_categories.code IS 'Short category code used on expense claims.';
COMMENT ON COLUMN silver.expense_categories.name IS 'Category name shown to employees and in reports.';
COMMENT ON COLUMN silver.expense_categories.account_code IS 'General-ledger account code.';
