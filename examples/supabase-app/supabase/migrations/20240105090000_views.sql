-- Read models: a task overview for the app, monthly revenue for the dashboard.
create view public.task_overview with (security_invoker = true) as
    select t.id, t.title, t.status, t.priority, t.due_on,
           p.name as project_name, p.team_id, pr.username as assignee
    from public.tasks t
    join public.projects p on p.id = t.project_id
    left join public.profiles pr on pr.id = t.assignee_id;
comment on view public.task_overview is 'Tasks with their project and assignee, as the board shows them';

create materialized view billing.monthly_revenue as
    select date_trunc('month', i.issued_at) as month,
           sum(i.total_cents) as total_cents,
           count(*) as invoice_count
    from billing.invoices i
    where i.status = 'paid'
    group by 1;
create unique index monthly_revenue_month_idx on billing.monthly_revenue (month);
comment on materialized view billing.monthly_revenue is 'Paid invoices per month';
