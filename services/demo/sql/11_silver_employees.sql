-- Silver employees: each employee named in the expense events (via the staging table), with department
-- and hire date.
CREATE TABLE silver.employees (
    employee_id int PRIMARY KEY,
    full_name text NOT NULL,
    department text,
    hired_on date
);
INSERT INTO silver.employees (employee_id, full_name, department, hired_on)
SELECT DISTINCT ON (employee_id)
    employee_id,
    employee_name,
    department,
    hired_on
FROM (  -- each version of an employee once (a hash aggregate), then the latest version per employee
    SELECT employee_id::int AS employee_id, employee_name, department, hired_on::date AS hired_on,
           max(write_date) AS written
    FROM stage_expense_events
    WHERE employee_id ~ '^\d+$' AND employee_name IS NOT NULL
    GROUP BY 1, 2, 3, 4
) versions
ORDER BY employee_id, written DESC;
COMMENT ON TABLE silver.employees IS 'Staff who file expenses: name, department and hire date.';
COMMENT ON COLUMN silver.employees.employee_id IS 'Odoo employee id.';
COMMENT ON COLUMN silver.employees.full_name IS 'Employee''s full name.';
COMMENT ON COLUMN silver.employees.department IS 'Department the employee belongs to.';
COMMENT ON COLUMN silver.employees.hired_on IS 'Start date of the employee''s first contract.';

-- Fresh statistics so the next build step plans its joins well.
ANALYZE silver.employees;
