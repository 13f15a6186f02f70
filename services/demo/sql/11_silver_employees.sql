-- Silver employees: each employee named in the expense events (via the staging table), with department
-- and hire date.
CREATE TABLE silver.employees (
    employee_id int PRIMARY KEY,
    full_name text NOT NULL,
    department text,
    hired_on date
);
INSERT INTO silver.employees (employee_id, full_name, department, hired_on)
SELECT DISTINCT ON (employee_id::int)
    employee_id::int,
    employee_name,
    department,
    hired_on::date
FROM stage_expense_events
WHERE employee_id ~ '^\d+$' AND employee_name IS NOT NULL
ORDER BY employee_id::int, write_date DESC;
COMMENT ON TABLE silver.employees IS 'Staff who file expenses: name, department and hire date.';
COMMENT ON COLUMN silver.employees.employee_id IS 'Odoo employee id.';
COMMENT ON COLUMN silver.employees.full_name IS 'Employee''s full name.';
COMMENT ON COLUMN silver.employees.department IS 'Department the employee belongs to.';
COMMENT ON COLUMN silver.employees.hired_on IS 'Start date of the employee''s first contract.';

-- Fresh statistics so the next build step plans its joins well.
ANALYZE silver.employees;
