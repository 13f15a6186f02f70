-- Fails on purpose: one seeded customer has never ordered, so their lifetime value is 0.
select customer_id, full_name, lifetime_value
from {{ ref('customer_orders') }}
where lifetime_value <= 0
