//! libpq's keyword table: the one list of connection parameters in Sluice.
//!
//! Everything that names a libpq keyword comes from here: the parser and
//! formatter, the store's file, the IPC `params` object, the CLI's
//! `--<keyword>` flags, the form's validation, and the `PG*` environment
//! variables. Adding a keyword is one line here (and a field in the form).
//!
//! The table is libpq 18's `PQconninfoOptions`, in presentation order (where
//! to connect, who as, TLS, then the rest; the canonical URL lists query
//! parameters in this order). A keyword outside it is "unknown": libpq
//! rejects it, Sluice keeps it aside and warns.

/// One libpq connection keyword. Serialized for the UI (the `vocabulary`
/// command), so the form's docs and choices come from this table too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Keyword {
    pub name: &'static str,
    /// libpq's `"*"` display flag (and the SCRAM/OAuth secrets): the value
    /// is never shown, logged, stored in a file or sent over IPC.
    pub secret: bool,
    /// The environment variable libpq reads for it, if any.
    pub env: Option<&'static str>,
    /// The libpq major version that first knew it.
    pub since: u32,
    /// One line for `--help` and the form.
    pub doc: &'static str,
    /// The values libpq accepts, when it is a fixed set (checked when the
    /// connection is validated; libpq checks them when it connects).
    pub choices: &'static [&'static str],
}

const fn kw(name: &'static str, env: Option<&'static str>, since: u32, doc: &'static str) -> Keyword {
    Keyword { name, secret: false, env, since, doc, choices: &[] }
}

const fn secret(name: &'static str, env: Option<&'static str>, since: u32, doc: &'static str) -> Keyword {
    Keyword { name, secret: true, env, since, doc, choices: &[] }
}

impl Keyword {
    const fn one_of(self, choices: &'static [&'static str]) -> Keyword {
        Keyword { choices, ..self }
    }
}

/// libpq 18's keywords, in presentation order.
pub const KEYWORDS: &[Keyword] = &[
    kw("host", Some("PGHOST"), 7, "Host names, IP addresses or Unix-socket directories, comma-separated"),
    kw("hostaddr", Some("PGHOSTADDR"), 7, "Numeric IP addresses to connect to instead of resolving host"),
    kw("port", Some("PGPORT"), 7, "Port numbers, one for all hosts or one per host"),
    kw("dbname", Some("PGDATABASE"), 7, "Database name (default: the user name)"),
    kw("user", Some("PGUSER"), 7, "Role to log in as (default: the operating-system user)"),
    secret("password", Some("PGPASSWORD"), 7, "Password"),
    kw("passfile", Some("PGPASSFILE"), 10, "Password file (default: ~/.pgpass)"),
    kw("service", Some("PGSERVICE"), 7, "Service name in pg_service.conf"),
    kw("sslmode", Some("PGSSLMODE"), 7, "disable, allow, prefer, require, verify-ca or verify-full")
        .one_of(&["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]),
    kw("sslnegotiation", Some("PGSSLNEGOTIATION"), 17, "postgres (SSLRequest first) or direct (TLS at once, PostgreSQL 17+)")
        .one_of(&["postgres", "direct"]),
    kw("sslrootcert", Some("PGSSLROOTCERT"), 8, "Root certificate file (or \"system\" with verify-full)"),
    kw("sslcert", Some("PGSSLCERT"), 8, "Client certificate file"),
    kw("sslkey", Some("PGSSLKEY"), 8, "Client key file"),
    secret("sslpassword", None, 13, "Passphrase of an encrypted client key"),
    kw("sslcertmode", Some("PGSSLCERTMODE"), 16, "disable, allow or require sending the client certificate")
        .one_of(&["disable", "allow", "require"]),
    kw("sslcrl", Some("PGSSLCRL"), 8, "Certificate revocation list file"),
    kw("sslcrldir", Some("PGSSLCRLDIR"), 14, "Certificate revocation list directory"),
    kw("sslsni", Some("PGSSLSNI"), 14, "Send the host name as TLS SNI (1 or 0)"),
    kw("sslcompression", Some("PGSSLCOMPRESSION"), 9, "TLS compression (obsolete)"),
    kw("ssl_min_protocol_version", Some("PGSSLMINPROTOCOLVERSION"), 13, "Lowest TLS version, e.g. TLSv1.2"),
    kw("ssl_max_protocol_version", Some("PGSSLMAXPROTOCOLVERSION"), 13, "Highest TLS version"),
    kw("channel_binding", Some("PGCHANNELBINDING"), 13, "disable, prefer or require SCRAM channel binding")
        .one_of(&["disable", "prefer", "require"]),
    kw("require_auth", Some("PGREQUIREAUTH"), 16, "Authentication methods the server may ask for"),
    kw("application_name", Some("PGAPPNAME"), 9, "Name shown in pg_stat_activity"),
    kw("fallback_application_name", None, 9, "application_name when none is set"),
    kw("connect_timeout", Some("PGCONNECT_TIMEOUT"), 7, "Seconds to wait for a connection"),
    kw("options", Some("PGOPTIONS"), 7, "Server options, e.g. -c search_path=app"),
    kw("client_encoding", Some("PGCLIENTENCODING"), 9, "Client encoding"),
    kw("target_session_attrs", Some("PGTARGETSESSIONATTRS"), 10, "any, read-write, read-only, primary, standby or prefer-standby")
        .one_of(&["any", "read-write", "read-only", "primary", "standby", "prefer-standby"]),
    kw("load_balance_hosts", Some("PGLOADBALANCEHOSTS"), 16, "disable, or random to try hosts in random order")
        .one_of(&["disable", "random"]),
    kw("keepalives", None, 9, "TCP keepalives (1 or 0)"),
    kw("keepalives_idle", None, 9, "Seconds before the first keepalive"),
    kw("keepalives_interval", None, 9, "Seconds between keepalives"),
    kw("keepalives_count", None, 9, "Keepalives lost before the connection is dead"),
    kw("tcp_user_timeout", None, 12, "Milliseconds unacknowledged data may wait"),
    kw("requirepeer", Some("PGREQUIREPEER"), 9, "OS user the server process must run as (Unix sockets)"),
    kw("gssencmode", Some("PGGSSENCMODE"), 12, "disable, prefer or require GSSAPI encryption")
        .one_of(&["disable", "prefer", "require"]),
    kw("krbsrvname", Some("PGKRBSRVNAME"), 7, "Kerberos service name"),
    kw("gsslib", Some("PGGSSLIB"), 9, "GSS library (Windows)"),
    kw("gssdelegation", Some("PGGSSDELEGATION"), 16, "Delegate GSS credentials (1 or 0)"),
    kw("replication", None, 9, "Open a replication connection"),
    kw("min_protocol_version", Some("PGMINPROTOCOLVERSION"), 18, "Lowest protocol version: 3.0, 3.2 or latest")
        .one_of(&["3.0", "3.2", "latest"]),
    kw("max_protocol_version", Some("PGMAXPROTOCOLVERSION"), 18, "Highest protocol version: 3.0, 3.2 or latest")
        .one_of(&["3.0", "3.2", "latest"]),
    secret("scram_client_key", None, 18, "SCRAM client key (instead of a password)"),
    secret("scram_server_key", None, 18, "SCRAM server key"),
    kw("oauth_issuer", None, 18, "OAuth issuer URL"),
    kw("oauth_client_id", None, 18, "OAuth client id"),
    secret("oauth_client_secret", None, 18, "OAuth client secret"),
    kw("oauth_scope", None, 18, "OAuth scope"),
    kw("sslkeylogfile", None, 18, "File to log TLS session keys to (debugging only)"),
];

/// The position of `name` in [`KEYWORDS`], if libpq knows it.
pub fn index(name: &str) -> Option<usize> {
    KEYWORDS.iter().position(|k| k.name == name)
}

/// The table entry for `name`, if libpq knows it.
pub fn lookup(name: &str) -> Option<&'static Keyword> {
    index(name).map(|i| &KEYWORDS[i])
}

pub fn is_known(name: &str) -> bool {
    lookup(name).is_some()
}

pub fn is_secret(name: &str) -> bool {
    lookup(name).is_some_and(|k| k.secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_18_keywords_once_each() {
        assert_eq!(KEYWORDS.len(), 50);
        for (i, k) in KEYWORDS.iter().enumerate() {
            assert!(!KEYWORDS[..i].iter().any(|o| o.name == k.name), "{} twice", k.name);
            assert!(!k.doc.is_empty() && k.since >= 7 && k.since <= 18, "{}", k.name);
            assert!(k.env.is_none_or(|e| e.starts_with("PG")), "{}", k.name);
        }
        let secrets: Vec<&str> = KEYWORDS.iter().filter(|k| k.secret).map(|k| k.name).collect();
        assert_eq!(secrets, ["password", "sslpassword", "scram_client_key", "scram_server_key", "oauth_client_secret"]);
        assert_eq!(KEYWORDS.iter().filter(|k| k.since <= 17).count(), 41, "libpq 17 had 41");
        let sslmode = lookup("sslmode").unwrap();
        assert_eq!(sslmode.choices, crate::SslMode::ALL.map(|m| m.as_str()));
    }
}
