{{ config(materialized='incremental', unique_key='order_date') }}

-- Incremental: later runs only read the days since the last one (dbt merges them through a temporary table).
select
    order_date,
    count(*) as orders,
    count(distinct customer_id) as customers
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where order_date >= (select max(order_date) from {{ this }})
{% endif %}
group by order_date
