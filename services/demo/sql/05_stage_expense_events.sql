-- Staging: parse each raw expense payload once into text fields; silver.employees and silver.expenses
-- both read this instead of scanning bronze twice. Unlogged (nothing to recover: it is rebuilt from bronze)
-- rather than temporary, so Postgres can read it with parallel workers; dropped once silver.expenses is built.
CREATE UNLOGGED TABLE stage_expense_events AS
SELECT
    e.event_id,
    jsonb_typeof(e.payload -> 'id') = 'number' AND jsonb_typeof(e.payload -> 'total_amount') = 'number'
        AND e.payload ->> 'date' ~ '^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$'
        AND e.payload ->> 'state' IN ('draft', 'reported', 'approved', 'done', 'refused') AS well_formed,
    e.payload ->> 'id' AS id,
    e.payload ->> 'name' AS name,
    e.payload ->> 'date' AS date,
    e.payload -> 'employee_id' ->> 0 AS employee_id,
    e.payload -> 'employee_id' ->> 1 AS employee_name,
    e.payload -> 'department_id' ->> 1 AS department,
    e.payload ->> 'employee_first_contract_date' AS hired_on,
    CASE WHEN jsonb_typeof(e.payload -> 'partner_id') = 'array' THEN e.payload -> 'partner_id' ->> 0 END AS vendor_id,
    e.payload ->> 'x_category_code' AS category_code,
    e.payload ->> 'total_amount' AS total_amount,
    e.payload -> 'currency_id' ->> 1 AS currency,
    e.payload ->> 'state' AS state,
    e.payload ->> 'write_date' AS write_date
FROM bronze.odoo_expense_events e;
