-- Billing lives in a schema of its own: plans, customers, subscriptions and invoices.
create schema billing;
comment on schema billing is 'Plans, subscriptions and invoices of each team';

create type billing.plan_tier as enum ('free', 'pro', 'enterprise');
create type billing.invoice_status as enum ('draft', 'open', 'paid', 'void');

create table billing.plans (
    id text primary key,
    tier billing.plan_tier not null,
    monthly_price numeric(10, 2) not null check (monthly_price >= 0),
    seat_limit integer,
    features jsonb not null default '{}'
);

create table billing.customers (
    team_id uuid primary key references public.teams (id) on delete cascade,
    stripe_customer_id text unique,
    billing_email text not null,
    created_at timestamptz not null default now()
);

create table billing.subscriptions (
    id bigint generated always as identity primary key,
    team_id uuid not null references billing.customers (team_id) on delete cascade,
    plan_id text not null references billing.plans (id),
    seats integer not null default 1 check (seats > 0),
    started_at timestamptz not null default now(),
    cancelled_at timestamptz
);
create unique index subscriptions_one_active_idx on billing.subscriptions (team_id)
    where cancelled_at is null;

create table billing.invoices (
    id uuid primary key default uuid_generate_v4(),
    subscription_id bigint not null references billing.subscriptions (id),
    status billing.invoice_status not null default 'draft',
    amount_cents bigint not null,
    tax_cents bigint not null default 0,
    total_cents bigint generated always as (amount_cents + tax_cents) stored,
    line_items jsonb[] not null default '{}',
    issued_at timestamptz,
    due_on date
);
comment on column billing.invoices.total_cents is 'Amount plus tax, computed by the database';

alter table billing.customers enable row level security;
alter table billing.subscriptions enable row level security;
alter table billing.invoices enable row level security;
create policy "members see their billing" on billing.customers
    for select to authenticated using (public.is_team_member(team_id));
create policy "members see their subscriptions" on billing.subscriptions
    for select to authenticated using (public.is_team_member(team_id));

grant usage on schema billing to authenticated, service_role;
grant select on all tables in schema billing to authenticated;
