-- Extensions and the types the app shares. On Supabase these extensions already live in
-- the `extensions` schema; creating them again is harmless.
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists moddatetime with schema extensions;

create type public.member_role as enum ('owner', 'admin', 'member', 'guest');
comment on type public.member_role is 'What a member may do in a team';

create type public.task_status as enum (
    'backlog', 'todo', 'in_progress', 'in_review', 'done', 'cancelled'
);
create type public.task_priority as enum ('low', 'medium', 'high', 'urgent');
