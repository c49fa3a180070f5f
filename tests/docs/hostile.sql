-- Names and texts that try to break Markdown, HTML, Mermaid and file systems: names that
-- differ only by case, spaces, quotes, unicode, pipes and backticks; comments with HTML,
-- pipes, backticks and newlines; SQL holding backtick runs.

CREATE SCHEMA "Weird <b>Schema</b>";

CREATE TYPE public."mood|`x`" AS ENUM ('happy | sad', '<i>meh</i>', '```', '');
COMMENT ON TYPE public."mood|`x`" IS E'An enum\n- not a list';

CREATE TABLE public.users (id integer PRIMARY KEY, email text NOT NULL);
CREATE TABLE public."Users" (id integer PRIMARY KEY, name text);
COMMENT ON TABLE public."Users" IS E'Same name as users, but capitalised: **not bold** _nor this_';

CREATE TABLE "Weird <b>Schema</b>"."tab|le `one` ""quoted""" (
    "id col" integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "owner|id" integer REFERENCES public.users (id) ON DELETE SET NULL,
    "mood" public."mood|`x`" NOT NULL DEFAULT '<i>meh</i>',
    "é ü 日本" text CHECK ("é ü 日本" <> '|'),
    note text
);
COMMENT ON TABLE "Weird <b>Schema</b>"."tab|le `one` ""quoted""" IS
    E'# Not a heading\n1. not a list\n[not](a link) ![nor](an image) <img src=x onerror=alert(1)>';
COMMENT ON COLUMN "Weird <b>Schema</b>"."tab|le `one` ""quoted""".note IS
    E'a | b `c` <script>alert(1)</script>\nsecond line & more';
COMMENT ON COLUMN "Weird <b>Schema</b>"."tab|le `one` ""quoted"""."owner|id" IS '$x$ is not math';

ALTER TABLE "Weird <b>Schema</b>"."tab|le `one` ""quoted""" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "see ```own``` rows" ON "Weird <b>Schema</b>"."tab|le `one` ""quoted"""
    FOR SELECT TO PUBLIC USING (note <> '```' AND note <> '````');
CREATE POLICY "insert | check" ON "Weird <b>Schema</b>"."tab|le `one` ""quoted"""
    FOR INSERT WITH CHECK (note IS DISTINCT FROM '<script>');

CREATE VIEW public."view `with` ```fences```" AS
    SELECT id, '```sql' AS "fence|col" FROM public.users;
COMMENT ON VIEW public."view `with` ```fences```" IS '</code></td></tr></table><script>x</script>';
