{% set methods = ['card', 'bank_transfer', 'gift_card'] %}

with orders as (
    select * from {{ ref('stg_orders') }}
),

order_payments as (
    select
        order_id,
        {% for method in methods %}
        sum(case when payment_method = '{{ method }}' then amount else 0 end) as {{ method }}_amount,
        {% endfor %}
        sum(amount) as total_amount
    from {{ ref('stg_payments') }}
    group by order_id
)

select
    c.customer_id,
    c.full_name,
    c.segment,
    count(o.order_id) as order_count,
    min(o.order_date) as first_order_date,
    {% for method in methods %}
    coalesce(sum(p.{{ method }}_amount), 0) as {{ method }}_amount,
    {% endfor %}
    coalesce(sum(p.total_amount), 0) as lifetime_value
from {{ ref('stg_customers') }} as c
left join orders as o on o.customer_id = c.customer_id
left join order_payments as p on p.order_id = o.order_id
group by c.customer_id, c.full_name, c.segment
