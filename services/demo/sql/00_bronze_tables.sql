-- Bronze: raw Odoo events as received (JSON payloads, duplicates and bad records included).
CREATE SCHEMA IF NOT EXISTS bronze;
CREATE SCHEMA IF NOT EXISTS silver;
CREATE SCHEMA IF NOT EXISTS gold;
CREATE SCHEMA IF NOT EXISTS platinum;
COMMENT ON SCHEMA bronze IS 'Raw data as received from source systems.';
COMMENT ON SCHEMA silver IS 'Cleaned, deduplicated, typed entities.';
COMMENT ON SCHEMA gold IS 'Business marts for analysis and reporting.';
COMMENT ON SCHEMA platinum IS 'Regulatory and executive outputs built on gold.';

DROP TABLE IF EXISTS platinum.bir_withholding_summary, gold.vendor_monthly_spend, gold.finance_expenses,
    silver.expenses, silver.expense_categories, silver.employees, silver.vendors,
    bronze.odoo_vendor_events, bronze.odoo_expense_events CASCADE;

CREATE TABLE bronze.odoo_expense_events (
    event_id bigint PRIMARY KEY,
    received_at timestamptz NOT NULL,
    payload jsonb NOT NULL
);
COMMENT ON TABLE bronze.odoo_expense_events IS
    'Raw Odoo hr.expense records received over XML-RPC, one JSON payload per event; includes duplicate and malformed events.';
COMMENT ON COLUMN bronze.odoo_expense_events.event_id IS 'Sequence number of the event in the feed.';
COMMENT ON COLUMN bronze.odoo_expense_events.received_at IS 'When the event reached the warehouse.';
COMMENT ON COLUMN bronze.odoo_expense_events.payload IS
    'The hr.expense record as Odoo returned it (id, date, employee_id, partner_id, total_amount, currency_id, state, ...).';

CREATE TABLE bronze.odoo_vendor_events (
    event_id bigint PRIMARY KEY,
    received_at timestamptz NOT NULL,
    payload jsonb NOT NULL
);
COMMENT ON TABLE bronze.odoo_vendor_events IS
    'Raw Odoo res.partner (supplier) records, one JSON payload per create or update event.';
COMMENT ON COLUMN bronze.odoo_vendor_events.event_id IS 'Sequence number of the event in the feed.';
COMMENT ON COLUMN bronze.odoo_vendor_events.received_at IS 'When the event reached the warehouse.';
COMMENT ON COLUMN bronze.odoo_vendor_events.payload IS
    'The res.partner record as Odoo returned it (id, name, vat, city, country_id, active, write_date).';
