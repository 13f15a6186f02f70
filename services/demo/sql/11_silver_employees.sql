-- Silver employees: each employee named in the expense events, with department and hire date.
CREATE TABLE silver.employees (
    employee_id int PRIMARY KEY,
    full_name text NOT NULL,
    department text,
    hired_on date
);
INSERT INTO silver.employees (employee_id, full_name, department, hired_on)
SELECT DISTINCT ON ((payload -> 'employee_id' ->> 0)::int)
    (payload -> 'employee_id' ->> 0)::int,
    payload -> 'employee_id' ->> 1,
    payload -> 'department_id' ->> 1,
    (payload ->> 'employee_first_contract_date')::date
FROM bronze.odoo_expense_events
WHERE jsonb_typeof(payload -> 'employee_id') = 'array'
ORDER BY (payload -> 'employee_id' ->> 0)::int, payload ->> 'write_date' DESC;
COMMENT ON TABLE silver.employees IS 'Staff who file expenses: name, department and hire date.';
COMMENT ON COLUMN silver.employees.employee_id IS 'Odoo employee id.';
COMMENT ON COLUMN silver.employees.full_name IS 'Employee''s full name.';
COMMENT ON COLUMN silver.employees.department IS 'Department the employee belongs to.';
COMMENT ON COLUMN silver.employees.hired_on IS 'Start date of the employee''s first contract.';
