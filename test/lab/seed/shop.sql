-- The shop database: enough real data (a few thousand rows) for backups, dumps and restore
-- drills to move something worth checking. Deterministic (setseed), so counts are known:
-- 2000 customers, 250 products, 5000 orders, 12500 order_items, 300 stripe_events.
SELECT setseed(0.42);

CREATE TABLE customers (
  id         bigint PRIMARY KEY,
  email      text NOT NULL UNIQUE,
  name       text NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE products (
  id          bigint PRIMARY KEY,
  sku         text NOT NULL UNIQUE,
  title       text NOT NULL,
  price_cents integer NOT NULL CHECK (price_cents > 0)
);

CREATE TABLE orders (
  id          bigint PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  status      text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'refunded')),
  created_at  timestamptz NOT NULL
);

CREATE TABLE order_items (
  order_id    bigint NOT NULL REFERENCES orders (id),
  line        integer NOT NULL,
  product_id  bigint NOT NULL REFERENCES products (id),
  quantity    integer NOT NULL CHECK (quantity > 0),
  price_cents integer NOT NULL,
  PRIMARY KEY (order_id, line)
);

CREATE TABLE stripe_events (
  id          text PRIMARY KEY,
  type        text NOT NULL,
  received_at timestamptz NOT NULL,
  payload     jsonb NOT NULL
);

INSERT INTO customers
SELECT g, format('customer%s@example.com', g), format('Customer %s', g),
       timestamptz '2024-01-01' + g * interval '3 hours'
FROM generate_series(1, 2000) AS g;

INSERT INTO products
SELECT g, format('SKU-%s', lpad(g::text, 5, '0')), format('Product %s', g), 199 + (random() * 20000)::int
FROM generate_series(1, 250) AS g;

INSERT INTO orders
SELECT g, 1 + (random() * 1999)::int,
       (ARRAY['pending', 'paid', 'shipped', 'refunded'])[1 + (random() * 3)::int],
       timestamptz '2024-03-01' + g * interval '90 minutes'
FROM generate_series(1, 5000) AS g;

INSERT INTO order_items
SELECT o, l, 1 + (random() * 249)::int, 1 + (random() * 4)::int, 199 + (random() * 20000)::int
FROM generate_series(1, 5000) AS o, generate_series(1, 3) AS l
WHERE l <= 2 OR o % 2 = 0;

INSERT INTO stripe_events
SELECT format('evt_lab%s', lpad(g::text, 6, '0')),
       (ARRAY['invoice.paid', 'charge.refunded', 'customer.created'])[1 + g % 3],
       timestamptz '2024-06-01' + g * interval '7 hours',
       jsonb_build_object('order_id', 1 + g * 16, 'livemode', false)
FROM generate_series(1, 300) AS g;

CREATE INDEX orders_customer_id ON orders (customer_id);
ANALYZE;
