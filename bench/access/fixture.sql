-- A wide catalog for timing the access analysis.
--
--   createdb wide && psql -v tables=100000 -v schemas=10 -d wide -f bench/access/fixture.sql
--
-- Creates :tables one-column tables spread over :schemas schemas (bench_1..),
-- a serial column on every tenth (so sequences and nextval() defaults exist),
-- a column grant on every hundredth, RLS on every thousandth, and a login
-- role `bench_reader` (password `bench`) that reads everything through two
-- levels of groups, which information_schema.table_privileges filtered on
-- grantee = current_user does not show.
--
-- Then time the analysis as that role on a fresh connection (cold caches):
--   cargo test -p sluice-core --test access_bulk -- --ignored --nocapture
-- does the same on a throwaway cluster and prints the client and server times.
-- Must run outside a transaction block (the DO block commits every 1,000
-- tables: one transaction would run out of lock slots).

\set ON_ERROR_STOP 1
SELECT :'tables'::int AS tables, :'schemas'::int AS schemas \gset

DO $$BEGIN
  CREATE ROLE bench_readers NOLOGIN;
  CREATE ROLE bench_team NOLOGIN IN ROLE bench_readers;
  CREATE ROLE bench_reader LOGIN PASSWORD 'bench' IN ROLE bench_team;
EXCEPTION WHEN duplicate_object THEN NULL;
END$$;

SELECT format('CREATE SCHEMA IF NOT EXISTS bench_%s', s) FROM generate_series(1, :schemas) s \gexec

SELECT set_config('bench.tables', :'tables', false), set_config('bench.schemas', :'schemas', false) \gset

DO $$
DECLARE
  n int := current_setting('bench.tables')::int;
  s int := current_setting('bench.schemas')::int;
  sch text;
BEGIN
  FOR i IN 1..n LOOP
    sch := format('bench_%s', 1 + i % s);
    IF i % 10 = 0 THEN
      EXECUTE format('CREATE TABLE %I.t%s (id serial, v text)', sch, i);
    ELSE
      EXECUTE format('CREATE TABLE %I.t%s (id int)', sch, i);
    END IF;
    IF i % 100 = 0 THEN
      EXECUTE format('GRANT SELECT (id) ON %I.t%s TO bench_team', sch, i);
    END IF;
    IF i % 1000 = 0 THEN
      EXECUTE format('ALTER TABLE %I.t%s ENABLE ROW LEVEL SECURITY', sch, i);
      COMMIT;
    END IF;
  END LOOP;
END$$;

SELECT format('GRANT USAGE ON SCHEMA bench_%s TO bench_readers', s) FROM generate_series(1, :schemas) s \gexec
SELECT format('GRANT SELECT ON ALL TABLES IN SCHEMA bench_%s TO bench_readers', s) FROM generate_series(1, :schemas) s \gexec
ANALYZE;
