-- A small app schema for trying schemasync without a database of your own.
CREATE TYPE public.plan AS ENUM ('free', 'team', 'enterprise');

CREATE TABLE public.organizations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name varchar(80) NOT NULL UNIQUE,
    plan public.plan NOT NULL DEFAULT 'free',
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.organizations IS 'Customers: one row per company';

CREATE TABLE public.projects (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id bigint NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    budget numeric(12, 2),
    tags text[] NOT NULL DEFAULT '{}',
    settings jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX projects_organization_idx ON public.projects (organization_id);
ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;

CREATE VIEW public.project_summaries AS
    SELECT p.id, p.title, o.name AS organization, o.plan
    FROM public.projects p JOIN public.organizations o ON o.id = p.organization_id;
