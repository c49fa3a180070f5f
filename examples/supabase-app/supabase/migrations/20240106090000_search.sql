-- Search, with two of PostgreSQL's contrib modules (both on Supabase, and in the embedded
-- engine schemasync falls back to): a contact address compared without regard to case
-- (citext) and fuzzy matching of task titles (pg_trgm).
create extension if not exists citext with schema extensions;
create extension if not exists pg_trgm with schema extensions;

alter table public.profiles add column contact_email extensions.citext unique;
comment on column public.profiles.contact_email is 'Where to write to; compared without case';
create index tasks_title_trgm on public.tasks using gin (title extensions.gin_trgm_ops);
