//! A hostile database owner, for the trust-boundary tests: the traps of
//! `sql/plant-hostile.sql` (a logging shadow of every function, aggregate
//! and operator Sluice's SQL could resolve by name), and a way to tell
//! whether any of them ran.

use crate::cluster::{quote_ident, Cluster};

/// The planting script; the E2E suite reads the same file.
pub const PLANT_SQL: &str = include_str!("../sql/plant-hostile.sql");

/// What every trap writes to the server log (`RAISE LOG`) when it runs.
pub const MARKER: &str = "SLUICE-PLANTED";

/// A cluster with a hostile database `shop`: owned by the ordinary role
/// `owner`, who planted the traps; logins `tester` (ordinary, SELECT on
/// `public.orders`) and `boss` (superuser), passwords `<name>-pw`. The shop
/// has a serial, a CHECK constraint and a view for the analysis to walk.
pub fn cluster() -> Cluster {
    let pg = Cluster::start_default();
    pg.psql(
        "CREATE ROLE owner LOGIN PASSWORD 'owner-pw'; CREATE ROLE tester LOGIN PASSWORD 'tester-pw';
         CREATE ROLE boss SUPERUSER LOGIN PASSWORD 'boss-pw'; CREATE DATABASE shop OWNER owner;",
    );
    pg.psql_in(
        "shop",
        "SET ROLE owner; CREATE TABLE public.orders (id serial PRIMARY KEY, note text CHECK (note <> ''));
         CREATE VIEW public.recent AS SELECT * FROM public.orders; GRANT SELECT ON public.orders TO tester;",
    );
    plant(&pg, "shop", "owner");
    pg
}

/// Puts schema `evil` first for every session in `shop` (`ALTER DATABASE`).
pub fn evil_first(cluster: &Cluster) {
    cluster.psql("ALTER DATABASE shop SET search_path = evil, pg_catalog");
}

/// Plants the traps in `db` as `owner`, who must own the database and not
/// be a superuser (so only what an ordinary owner can do is done).
pub fn plant(cluster: &Cluster, db: &str, owner: &str) {
    cluster.psql_in(db, &format!("SET ROLE {};\n{PLANT_SQL}", quote_ident(owner)));
    let planted = cluster.psql_in(
        db,
        "SELECT pg_catalog.count(*) FROM pg_catalog.pg_proc WHERE pronamespace OPERATOR(pg_catalog.=) 'evil'::pg_catalog.regnamespace",
    );
    assert!(planted.parse::<u32>().unwrap_or(0) > 100, "the traps were not planted: {planted} functions in evil");
}

/// The trap lines logged after byte `from` of the server log by sessions of
/// `user` (any database). Empty when no trap ran.
pub fn sprung(cluster: &Cluster, from: usize, user: &str) -> Vec<String> {
    let log = cluster.log();
    let tag = format!(" {user}@");
    log.get(from..)
        .unwrap_or("")
        .lines()
        .filter(|l| l.contains(MARKER) && l.contains(&tag))
        .map(str::to_owned)
        .collect()
}

/// The names of the functions and aggregates planted in schema `evil`,
/// and of its operators.
pub fn planted_names(cluster: &Cluster, db: &str) -> (Vec<String>, Vec<String>) {
    let list = |sql: &str| -> Vec<String> {
        cluster.psql_in(db, sql).lines().map(str::to_owned).filter(|l| !l.is_empty()).collect()
    };
    (
        list("SELECT DISTINCT proname FROM pg_catalog.pg_proc WHERE pronamespace OPERATOR(pg_catalog.=) 'evil'::pg_catalog.regnamespace"),
        list("SELECT DISTINCT oprname FROM pg_catalog.pg_operator WHERE oprnamespace OPERATOR(pg_catalog.=) 'evil'::pg_catalog.regnamespace"),
    )
}
