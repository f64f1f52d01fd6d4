//! The trust boundary, in code. Every server is untrusted: its owner may have
//! planted functions and operators named like the built-ins, in `public` or
//! in a schema that `ALTER DATABASE`/`ALTER ROLE ... SET search_path` puts
//! first. Two rules keep Sluice from ever running them:
//!
//! 1. Every statement Sluice sends runs inside one read-only transaction
//!    whose first statement pins `search_path` to `pg_catalog, pg_temp`
//!    ([`read_only_batch`]). `pg_temp` is never searched for functions or
//!    operators, so only the built-ins resolve.
//! 2. The SQL itself names every function `pg_catalog.f(...)`, every
//!    operator `OPERATOR(pg_catalog.=)` and every type `pg_catalog.text`, so
//!    it stays safe even if it is ever run outside such a batch.
//!
//! Casts (`::pg_catalog.text`) are found by their source and target types in
//! `pg_cast`, not by name; a cast between built-in types can only be created
//! by a superuser, who owns the server anyway.

/// Pins name resolution to the built-ins for the rest of the transaction.
pub(crate) const PIN_SEARCH_PATH: &str = "SET LOCAL search_path TO pg_catalog, pg_temp";

/// Statements that complete before the first of the caller's: `BEGIN` and the pin.
pub(crate) const PREAMBLE: usize = 2;

/// `BEGIN READ ONLY; <pin>; s1; s2; ...; COMMIT`, for one simple-protocol
/// Query message: one round trip, nothing writable, nothing of the database's.
pub(crate) fn read_only_batch(statements: &[&str]) -> String {
    let mut out = format!("BEGIN READ ONLY; {PIN_SEARCH_PATH}; ");
    for s in statements {
        out.push_str(s);
        out.push_str("; ");
    }
    out.push_str("COMMIT");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_comes_right_after_begin() {
        let b = read_only_batch(&["SELECT 1", "SELECT 2"]);
        assert_eq!(b, "BEGIN READ ONLY; SET LOCAL search_path TO pg_catalog, pg_temp; SELECT 1; SELECT 2; COMMIT");
    }
}
