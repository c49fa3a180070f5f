-- One profile per user, teams, and who belongs to which team.
create table public.profiles (
    id uuid primary key references auth.users (id) on delete cascade,
    username text not null unique check (char_length(username) between 3 and 32),
    full_name text,
    avatar_url text,
    website text,
    updated_at timestamptz not null default now()
);
comment on table public.profiles is 'Public data of each user: one row per auth.users row';
comment on column public.profiles.username is 'Unique handle, 3 to 32 characters';

alter table public.profiles enable row level security;
create policy "profiles are visible to everyone" on public.profiles
    for select using (true);
create policy "users update their own profile" on public.profiles
    for update using ((select auth.uid()) = id);

create trigger profiles_touch_updated_at before update on public.profiles
    for each row execute procedure extensions.moddatetime (updated_at);

-- Every new auth user gets a profile.
create function public.handle_new_user() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
    insert into public.profiles (id, username, full_name)
    values (new.id, new.raw_user_meta_data ->> 'user_name', new.raw_user_meta_data ->> 'full_name');
    return new;
end;
$$;
create trigger on_auth_user_created after insert on auth.users
    for each row execute procedure public.handle_new_user();

create table public.teams (
    id uuid primary key default uuid_generate_v4(),
    slug text not null unique check (slug ~ '^[a-z0-9-]+$'),
    name text not null,
    created_by uuid not null references auth.users (id),
    created_at timestamptz not null default now()
);
comment on table public.teams is 'A workspace: its members share projects and a subscription';

create table public.team_members (
    team_id uuid not null references public.teams (id) on delete cascade,
    user_id uuid not null references auth.users (id) on delete cascade,
    role public.member_role not null default 'member',
    joined_at timestamptz not null default now(),
    primary key (team_id, user_id)
);
create index team_members_user_idx on public.team_members (user_id);

-- Used by the policies: security definer, so it reads team_members without recursing into
-- that table's own policies.
create function public.is_team_member(team uuid) returns boolean
language sql stable security definer set search_path = '' as $$
    select exists (
        select 1 from public.team_members m
        where m.team_id = team and m.user_id = (select auth.uid())
    )
$$;

alter table public.teams enable row level security;
alter table public.team_members enable row level security;
create policy "members see their teams" on public.teams
    for select to authenticated using (public.is_team_member(id));
create policy "anyone signed in creates a team" on public.teams
    for insert to authenticated with check ((select auth.uid()) = created_by);
create policy "members see each other" on public.team_members
    for select to authenticated using (public.is_team_member(team_id));
