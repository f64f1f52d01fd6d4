-- A hostile database owner's traps, for the trust-boundary tests.
--
-- Run as the database's owner (not a superuser), in the database under test.
-- In the schemas `public` and `evil` it plants a shadow of every built-in
-- function, aggregate and operator that Sluice's SQL could resolve by name,
-- plus cross-type operators Postgres lacks (which a bare `name !~ '...'` or
-- `oid = '...'::regclass` would prefer even with the default search_path),
-- and variadic shadows that beat `concat_ws("any")`. Every shadow behaves
-- like the original but first writes `SLUICE-PLANTED <schema>.<name>` to the
-- server log (RAISE LOG), so a test can tell whether any of them ran.
--
-- The caller then puts `evil` first with ALTER DATABASE/ROLE ... SET search_path.
CREATE SCHEMA IF NOT EXISTS evil;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO PUBLIC;

DO $plant$
DECLARE
  s text;
  f record;
  o record;
  n int := 0;
  args text;
  call text;
  mark text;
  fname pg_catalog.name;
BEGIN
  FOREACH s IN ARRAY ARRAY['public', 'evil'] LOOP
    -- Functions, with the exact signatures of the built-ins.
    FOR f IN
      SELECT p.proname, p.proargtypes, p.prorettype, p.pronargs
      FROM pg_catalog.pg_proc p
      WHERE p.pronamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
        AND p.prokind OPERATOR(pg_catalog.=) 'f' AND NOT p.proretset AND p.provariadic OPERATOR(pg_catalog.=) 0
        AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY[
          'current_setting', 'set_config', 'current_database', 'current_schema', 'version',
          'pg_is_in_recovery', 'inet_server_addr', 'inet_server_port', 'inet_client_addr', 'pg_backend_pid',
          'has_table_privilege', 'has_schema_privilege', 'has_sequence_privilege', 'has_function_privilege',
          'has_column_privilege', 'has_any_column_privilege', 'has_database_privilege', 'pg_has_role',
          'row_security_active', 'pg_get_function_identity_arguments', 'format_type', 'quote_ident',
          'concat_ws', 'concat', 'format', 'lower', 'upper', 'text', 'name', 'oid', 'regclass', 'bool',
          'int2', 'int4', 'int8', 'char', 'textin', 'textout', 'nameout', 'boolout', 'array_to_string',
          'string_to_array', 'pg_postmaster_start_time', 'pg_encoding_to_char', 'obj_description',
          'pg_get_userbyid', 'regrole', 'regnamespace', 'to_regclass', 'to_regrole', 'length', 'starts_with'
        ]::pg_catalog.name[])
        AND NOT EXISTS (
          SELECT 1 FROM pg_catalog.unnest(p.proargtypes) t JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) t
          WHERE ty.typtype OPERATOR(pg_catalog.=) 'p')
        AND (SELECT ty.typtype FROM pg_catalog.pg_type ty WHERE ty.oid OPERATOR(pg_catalog.=) p.prorettype) OPERATOR(pg_catalog.<>) 'p'
    LOOP
      SELECT pg_catalog.string_agg(pg_catalog.format_type(t, NULL), ', ' ORDER BY i) INTO args
        FROM pg_catalog.unnest(f.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS u(t, i);
      SELECT pg_catalog.string_agg('$' OPERATOR(pg_catalog.||) i, ', ' ORDER BY i) INTO call
        FROM pg_catalog.generate_series(1, f.pronargs) i;
      mark := 'SLUICE-PLANTED ' OPERATOR(pg_catalog.||) s OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) f.proname;
      BEGIN
        EXECUTE pg_catalog.format(
          'CREATE FUNCTION %I.%I(%s) RETURNS %s LANGUAGE plpgsql AS $b$BEGIN RAISE LOG %L; RETURN pg_catalog.%I(%s); END$b$',
          s, f.proname, COALESCE(args, ''), pg_catalog.format_type(f.prorettype, NULL), mark, f.proname,
          COALESCE(call, ''));
      EXCEPTION WHEN duplicate_function THEN NULL;
      END;
    END LOOP;

    -- Variadic shadows: concat_ws(text, VARIADIC text[]) beats the built-in
    -- concat_ws(text, VARIADIC "any") for text arguments, whatever the path.
    FOREACH fname IN ARRAY ARRAY['concat_ws', 'concat', 'format']::pg_catalog.name[] LOOP
      mark := 'SLUICE-PLANTED ' OPERATOR(pg_catalog.||) s OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) fname;
      EXECUTE pg_catalog.format(
        'CREATE FUNCTION %I.%I(text, VARIADIC text[]) RETURNS text LANGUAGE plpgsql AS $b$BEGIN RAISE LOG %L; RETURN pg_catalog.array_to_string($2, $1); END$b$',
        s, fname, mark);
    END LOOP;

    -- Aggregates: bool_and(boolean), min(oid), and the source's grouping,
    -- json_agg(text) and array_agg(oid); each step logs, then does the work.
    FOR f IN
      SELECT * FROM (VALUES
        ('bool_and', 'boolean', 'boolean', 'COALESCE($1, true) AND $2', NULL),
        ('min', 'oid', 'oid', 'COALESCE($1, $2)', NULL),
        ('json_agg', 'text', 'text[]', 'pg_catalog.array_append($1, $2)', 'json'),
        ('array_agg', 'oid', 'oid[]', 'pg_catalog.array_append($1, $2)', NULL)
      ) AS x(aggname, argtype, stype, step, finaltype)
    LOOP
      mark := 'SLUICE-PLANTED ' OPERATOR(pg_catalog.||) s OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) f.aggname;
      EXECUTE pg_catalog.format(
        'CREATE FUNCTION %I.sluice_%s_step(%s, %s) RETURNS %s LANGUAGE plpgsql AS $b$BEGIN RAISE LOG %L; RETURN %s; END$b$',
        s, f.aggname, f.stype, f.argtype, f.stype, mark, f.step);
      IF f.finaltype IS NULL THEN
        EXECUTE pg_catalog.format('CREATE AGGREGATE %I.%I(%s) (SFUNC = %I.sluice_%s_step, STYPE = %s)',
          s, f.aggname, f.argtype, s, f.aggname, f.stype);
      ELSE
        EXECUTE pg_catalog.format(
          'CREATE FUNCTION %I.sluice_%s_final(%s) RETURNS %s LANGUAGE plpgsql AS $b$BEGIN RETURN pg_catalog.array_to_json($1); END$b$',
          s, f.aggname, f.stype, f.finaltype);
        EXECUTE pg_catalog.format('CREATE AGGREGATE %I.%I(%s) (SFUNC = %I.sluice_%s_step, STYPE = %s, FINALFUNC = %I.sluice_%s_final)',
          s, f.aggname, f.argtype, s, f.aggname, f.stype, s, f.aggname);
      END IF;
    END LOOP;

    mark := 'SLUICE-PLANTED ' OPERATOR(pg_catalog.||) s OPERATOR(pg_catalog.||) '.unnest';
    EXECUTE pg_catalog.format(
      'CREATE FUNCTION %I.unnest(oid[]) RETURNS SETOF oid LANGUAGE plpgsql AS $b$BEGIN RAISE LOG %L; RETURN QUERY SELECT u.x FROM pg_catalog.unnest($1) u(x); END$b$',
      s, mark);

    -- Operators: every built-in binary one of these names, plus the
    -- cross-type ones Postgres lacks.
    FOR o IN
      SELECT op.oprname, op.oprleft, op.oprright, op.oprresult
      FROM pg_catalog.pg_operator op
      WHERE op.oprnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
        AND op.oprkind OPERATOR(pg_catalog.=) 'b'
        AND op.oprname OPERATOR(pg_catalog.=) ANY (ARRAY['=', '<>', '!~', '~', '~*', '!~*', '~~', '!~~', '||', '<', '>', '<=', '>=', '/']::pg_catalog.name[])
        AND NOT EXISTS (
          SELECT 1 FROM pg_catalog.pg_type ty
          WHERE ty.oid OPERATOR(pg_catalog.=) ANY (ARRAY[op.oprleft, op.oprright, op.oprresult]) AND ty.typtype OPERATOR(pg_catalog.=) 'p')
      UNION ALL
      SELECT x.oprname, x.l::pg_catalog.regtype::pg_catalog.oid, x.r::pg_catalog.regtype::pg_catalog.oid, x.res::pg_catalog.regtype::pg_catalog.oid
      FROM (VALUES ('!~', 'name', 'name', 'boolean'), ('~', 'name', 'name', 'boolean'), ('=', 'oid', 'regclass', 'boolean'),
                   ('=', 'regclass', 'oid', 'boolean'), ('=', '"char"', 'text', 'boolean'), ('=', 'text', 'name', 'boolean'),
                   ('||', 'text', 'name', 'text')) AS x(oprname, l, r, res)
      WHERE NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_type ty
        WHERE ty.oid OPERATOR(pg_catalog.=) ANY (ARRAY[x.l::pg_catalog.regtype::pg_catalog.oid, x.r::pg_catalog.regtype::pg_catalog.oid])
          AND ty.typtype OPERATOR(pg_catalog.=) 'p')
    LOOP
      n := n OPERATOR(pg_catalog.+) 1;
      mark := 'SLUICE-PLANTED ' OPERATOR(pg_catalog.||) s OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) o.oprname
        OPERATOR(pg_catalog.||) ' (' OPERATOR(pg_catalog.||) pg_catalog.format_type(o.oprleft, NULL)
        OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||) pg_catalog.format_type(o.oprright, NULL) OPERATOR(pg_catalog.||) ')';
      BEGIN
        EXECUTE pg_catalog.format(
          'CREATE FUNCTION %I.sluice_op_%s(%s, %s) RETURNS %s LANGUAGE plpgsql AS $b$BEGIN RAISE LOG %L; RETURN $1 OPERATOR(pg_catalog.%s) $2; END$b$',
          s, n, pg_catalog.format_type(o.oprleft, NULL), pg_catalog.format_type(o.oprright, NULL),
          pg_catalog.format_type(o.oprresult, NULL), mark, o.oprname);
        EXECUTE pg_catalog.format('CREATE OPERATOR %I.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = %I.sluice_op_%s)',
          s, o.oprname, pg_catalog.format_type(o.oprleft, NULL), pg_catalog.format_type(o.oprright, NULL), s, n);
      EXCEPTION WHEN duplicate_function OR duplicate_object OR undefined_function OR datatype_mismatch OR invalid_function_definition THEN NULL;
      END;
    END LOOP;
  END LOOP;
END
$plant$;
