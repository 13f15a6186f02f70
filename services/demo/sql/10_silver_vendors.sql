-- Silver vendors: the latest state of each supplier from the partner events.
CREATE TABLE silver.vendors (
    vendor_id int PRIMARY KEY,
    vendor_name text NOT NULL,
    tin text,
    city text,
    country text,
    is_active boolean NOT NULL
);
INSERT INTO silver.vendors (vendor_id, vendor_name, tin, city, country, is_active)
SELECT DISTINCT ON ((payload ->> 'id')::int)
    (payload ->> 'id')::int,
    payload ->> 'name',
    NULLIF(payload ->> 'vat', ''),
    NULLIF(payload ->> 'city', ''),
    payload -> 'country_id' ->> 1,
    COALESCE((payload ->> 'active')::boolean, true)
FROM bronze.odoo_vendor_events
WHERE jsonb_typeof(payload -> 'id') = 'number' AND payload ->> 'name' IS NOT NULL
ORDER BY (payload ->> 'id')::int, payload ->> 'write_date' DESC, event_id DESC;
COMMENT ON TABLE silver.vendors IS 'Suppliers (Odoo partners), one row per vendor in its latest state.';
COMMENT ON COLUMN silver.vendors.vendor_id IS 'Odoo partner id of the supplier.';
COMMENT ON COLUMN silver.vendors.vendor_name IS 'Registered name of the supplier.';
COMMENT ON COLUMN silver.vendors.tin IS 'Tax identification number (BIR TIN).';
COMMENT ON COLUMN silver.vendors.city IS 'City of the supplier''s address.';
COMMENT ON COLUMN silver.vendors.country IS 'Country of the supplier''s address.';
COMMENT ON COLUMN silver.vendors.is_active IS 'False once the supplier was archived in Odoo.';

-- Fresh statistics so the next build step plans its joins well.
ANALYZE silver.vendors;
