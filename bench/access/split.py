#!/usr/bin/env python3
"""Where the destination analysis spends its time, part by part.

    python3 bench/access/split.py --sluice-bench PATH [--tables 100000] [--runs 3] [--bindir DIR]

Builds a throwaway PostgreSQL cluster under bench/out/split-pg (the bench's
serial shape: N tables `id serial PRIMARY KEY, v text` in ten schemas, a view
every 20th table, SELECT granted to a group and to a role directly; catalogs
vacuumed and analysed), takes the statement `sluice-bench sql --job
destination` prints, and runs it cut after each of its parts: the statement's
CTEs with only `SELECT count(*)` of one CTE, or with only one of its
`UNION ALL` branches. Each cut is run under the probe's planner settings, as
the group-granted reader, and measured as the CPU time of every server
process (the backend and its parallel workers, reaped ones through the
postmaster's children's time), so a busy machine's waiting does not count.
The figures are cumulative (a cut computes every CTE it reads); the table
also gives the difference to the cut it builds on.

Prints a Markdown table. Needs PostgreSQL server binaries (`--bindir`, by
default PostgreSQL 15's from Debian) and psql; run as root, the cluster runs
as the postgres account.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLANNER = (
    "BEGIN; SET LOCAL search_path TO pg_catalog; SET LOCAL enable_nestloop TO off; "
    "SET LOCAL enable_mergejoin TO off; SET LOCAL work_mem TO '64MB'; SET LOCAL jit TO off;\n"
)
PORT = 54998


def as_cluster_user(cmd):
    return ["runuser", "-u", "postgres", "--"] + cmd if os.geteuid() == 0 else cmd


def build(bindir, data, n):
    sock = os.path.dirname(data)
    if os.path.exists(sock):
        stop(bindir, data)
        shutil.rmtree(sock)
    os.makedirs(sock)
    if os.geteuid() == 0:
        shutil.chown(sock, "postgres")
    subprocess.run(as_cluster_user([f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres"]), check=True, stdout=subprocess.DEVNULL)
    with open(f"{data}/postgresql.conf", "a") as conf:
        conf.write(f"port={PORT}\nlisten_addresses=''\nunix_socket_directories='{sock}'\nautovacuum=off\nfsync=off\n"
                   "synchronous_commit=off\nfull_page_writes=off\nmax_locks_per_transaction=2048\nshared_buffers=512MB\n")
    subprocess.run(as_cluster_user([f"{bindir}/pg_ctl", "-D", data, "-l", f"{sock}/log", "-w", "start"]), check=True, stdout=subprocess.DEVNULL)
    psql(sock, "postgres", "postgres", "CREATE ROLE app_owner LOGIN; CREATE ROLE readers NOLOGIN; "
         "CREATE ROLE reader LOGIN IN ROLE readers; CREATE ROLE direct LOGIN;")
    psql(sock, "postgres", "postgres", "CREATE DATABASE bench OWNER app_owner")
    schemas = ", ".join(f"s{i}" for i in range(10))
    t = time.time()
    psql(sock, "postgres", "bench", f"""SET ROLE app_owner;
{' '.join(f'CREATE SCHEMA s{i};' for i in range(10))}
DO $$
DECLARE s text;
BEGIN
  FOR i IN 1..{n} LOOP
    s := 's' || ((i - 1) % 10);
    EXECUTE format('CREATE TABLE %I.%I (id serial PRIMARY KEY, v text)', s, 't' || i);
    IF i % 20 = 0 THEN
      EXECUTE format('CREATE VIEW %I.%I AS SELECT id, v FROM %I.%I', s, 'v' || i, s, 't' || i);
    END IF;
    IF i % 500 = 0 THEN COMMIT; END IF;
  END LOOP;
END $$;
GRANT USAGE ON SCHEMA {schemas} TO readers, direct;
GRANT SELECT ON ALL TABLES IN SCHEMA {schemas} TO readers, direct;
RESET ROLE;
VACUUM (ANALYZE) pg_catalog.pg_class, pg_catalog.pg_attribute, pg_catalog.pg_namespace, pg_catalog.pg_depend,
  pg_catalog.pg_attrdef, pg_catalog.pg_constraint, pg_catalog.pg_proc, pg_catalog.pg_index;
CHECKPOINT;""")
    print(f"built {n} tables in {time.time() - t:.0f} s", file=sys.stderr)
    return sock


def stop(bindir, data):
    if os.path.exists(f"{data}/postmaster.pid"):
        subprocess.run(as_cluster_user([f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "stop"]), stdout=subprocess.DEVNULL)


def psql(sock, user, db, sql):
    subprocess.run(["psql", "-h", sock, "-p", str(PORT), "-U", user, "-d", db, "-qAt", "-v", "ON_ERROR_STOP=1"],
                   input=sql, text=True, check=True, stdout=subprocess.DEVNULL)


def server_cpu(data):
    """CPU seconds of the postmaster's children (alive, and reaped)."""
    with open(f"{data}/postmaster.pid") as f:
        pm = f.readline().strip()
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if pid == pm:
            total += int(fields[13]) + int(fields[14])
        elif fields[1] == pm:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure(sock, data, role, sql, runs):
    best = None
    for _ in range(runs):
        p = subprocess.Popen(["psql", "-h", sock, "-p", str(PORT), "-U", role, "-d", "bench", "-qAt", "-o", "/dev/null"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        p.stdin.write("\\o\nSELECT 1;\n")
        p.stdin.flush()
        p.stdout.readline()
        time.sleep(0.2)
        before = server_cpu(data)
        p.stdin.write(PLANNER + sql + ";\nROLLBACK;\n\\o\n\\echo done\n")
        p.stdin.flush()
        while p.stdout.readline().strip() != "done":
            pass
        time.sleep(0.2)
        spent = server_cpu(data) - before
        p.stdin.close()
        p.wait()
        best = spent if best is None else min(best, spent)
    return best * 1000


def cuts(sql):
    """(label, builds on, SQL) for each part of the destination statement."""
    start = sql.index("\nSELECT 'role'")
    ctes, branches = sql[:start], sql[start + 1:].split("\nUNION ALL\n")
    names = [re.match(r"SELECT '(\w+)'", b).group(1) for b in branches]
    role = branches[names.index("role")]
    out = []
    chain = [("dgrp", None, "one pass over pg_class, grouped by owner, ACL, schema and kind"),
             ("dcls", "dgrp", "privileges per distinct (owner, ACL), the groups unnested"),
             ("att", None, "the pass over pg_attribute (columns with a grant, a default or an identity)"),
             ("rel", "dcls", "relations in scope, with column grants (reads att)"),
             ("dep", "rel", "defaults' and CHECKs' dependencies: pg_attrdef, pg_depend"),
             ("wkey", "rel", "each written table's conflict key: pg_index")]
    for cte, base, what in chain:
        out.append((f"`{cte}`: {what}", base and f"`{base}`", ctes + f"\nSELECT pg_catalog.count(*)::pg_catalog.text FROM {cte}"))
    for kind, base, what in [("relation", "`rel`", "the relation rows"),
                             ("sequence", "`dep`", "the sequence rows with their owners (pg_depend again)"),
                             ("use", "`dep`", "the use rows (defaults' sequences)"),
                             ("write", "`wkey`", "the write rows (key names, columns, RLS, triggers)")]:
        i = names.index(kind)
        out.append((f"`{kind}` branch: {what}", base, ctes + "\n" + role + "\nUNION ALL\n" + branches[i]))
    out.append(("all of it, rows counted on the server (no output)", None,
                ctes + "\nSELECT pg_catalog.count(*)::pg_catalog.text FROM (\n" + "\nUNION ALL\n".join(branches) + "\n) z"))
    out.append(("the whole statement, rows sent to psql", "all of it, rows counted on the server (no output)", sql))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice-bench", required=True)
    ap.add_argument("--tables", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bindir", default="/usr/lib/postgresql/15/bin")
    ap.add_argument("--role", default="reader")
    args = ap.parse_args()
    sql = subprocess.run([args.sluice_bench, "sql", "--job", "destination"], check=True, capture_output=True, text=True).stdout
    data = os.path.join(ROOT, "bench", "out", "split-pg", "data")
    sock = build(args.bindir, data, args.tables)
    try:
        results = {}
        print(f"| part ({args.tables:,} serial tables, {args.role}) | server CPU, cumulative | over |")
        print("|---|---:|---:|")
        for label, base, q in cuts(sql):
            ms = measure(sock, data, args.role, q, args.runs)
            results[label] = ms
            key = base.strip("`") if base else None
            prior = next((v for k, v in results.items() if key and (k.startswith(f"`{key}`") or k == key)), None)
            over = f"+{ms - prior:.0f} ms over {base}" if prior is not None else ""
            print(f"| {label} | {ms:.0f} ms | {over} |", flush=True)
    finally:
        stop(args.bindir, data)


if __name__ == "__main__":
    main()
