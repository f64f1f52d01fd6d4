//! libpq's keyword table, and the mapping between keywords and [`ConnInfo`] fields.
//!
//! The table is libpq 17's `PQconninfoOptions`, in libpq's order. A keyword
//! outside it is "unknown": libpq rejects it, Sluice keeps it aside and warns.

use super::{ConnInfo, ParamsError, SslMode};
use crate::secret::Secret;

/// One libpq connection keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    pub name: &'static str,
    /// libpq's `"*"` display flag: the value must never be shown or logged.
    pub secret: bool,
    /// Whether [`ConnInfo`] has a typed field for it; otherwise it lives in `extra`.
    pub typed: bool,
}

const fn kw(name: &'static str, secret: bool, typed: bool) -> Keyword {
    Keyword { name, secret, typed }
}

/// libpq 17's `PQconninfoOptions`, in libpq's order.
pub const KEYWORDS: &[Keyword] = &[
    kw("service", false, false),
    kw("user", false, true),
    kw("password", true, true),
    kw("passfile", false, false),
    kw("channel_binding", false, true),
    kw("connect_timeout", false, true),
    kw("dbname", false, true),
    kw("host", false, true),
    kw("hostaddr", false, true),
    kw("port", false, true),
    kw("client_encoding", false, false),
    kw("options", false, true),
    kw("application_name", false, true),
    kw("fallback_application_name", false, false),
    kw("keepalives", false, false),
    kw("keepalives_idle", false, false),
    kw("keepalives_interval", false, false),
    kw("keepalives_count", false, false),
    kw("tcp_user_timeout", false, false),
    kw("sslmode", false, true),
    kw("sslnegotiation", false, false),
    kw("sslcompression", false, false),
    kw("sslcert", false, true),
    kw("sslkey", false, true),
    kw("sslcertmode", false, false),
    kw("sslpassword", true, true),
    kw("sslrootcert", false, true),
    kw("sslcrl", false, false),
    kw("sslcrldir", false, false),
    kw("sslsni", false, false),
    kw("requirepeer", false, false),
    kw("require_auth", false, false),
    kw("ssl_min_protocol_version", false, false),
    kw("ssl_max_protocol_version", false, false),
    kw("gssencmode", false, false),
    kw("krbsrvname", false, false),
    kw("gsslib", false, false),
    kw("gssdelegation", false, false),
    kw("replication", false, false),
    kw("target_session_attrs", false, true),
    kw("load_balance_hosts", false, false),
];

/// The table entry for `name`, if libpq knows it.
pub fn lookup(name: &str) -> Option<&'static Keyword> {
    KEYWORDS.iter().find(|k| k.name == name)
}

pub fn is_known(name: &str) -> bool {
    lookup(name).is_some()
}

pub fn is_secret(name: &str) -> bool {
    lookup(name).is_some_and(|k| k.secret)
}

/// The typed fields, in the order [`ConnInfo::to_params`] lists them:
/// where to connect, who as, then TLS, then the rest.
const TYPED_ORDER: [&str; 16] = [
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslpassword",
    "channel_binding",
    "application_name",
    "connect_timeout",
    "options",
    "target_session_attrs",
];

impl ConnInfo {
    /// The value set for a libpq keyword, secrets included (exposed).
    pub fn get_param(&self, keyword: &str) -> Option<String> {
        let s = |v: &Option<String>| v.clone();
        match keyword {
            "host" => s(&self.host),
            "hostaddr" => s(&self.hostaddr),
            "port" => s(&self.port),
            "dbname" => s(&self.dbname),
            "user" => s(&self.user),
            "password" => self.password.as_ref().map(|p| p.expose().to_owned()),
            "sslmode" => self.sslmode.map(|m| m.as_str().to_owned()),
            "sslrootcert" => s(&self.sslrootcert),
            "sslcert" => s(&self.sslcert),
            "sslkey" => s(&self.sslkey),
            "sslpassword" => self.sslpassword.as_ref().map(|p| p.expose().to_owned()),
            "application_name" => s(&self.application_name),
            "connect_timeout" => s(&self.connect_timeout),
            "options" => s(&self.options),
            "target_session_attrs" => s(&self.target_session_attrs),
            "channel_binding" => s(&self.channel_binding),
            other => self.extra.iter().find(|(k, _)| k == other).map(|(_, v)| v.clone()),
        }
    }

    /// Set a libpq keyword, replacing any earlier value (as libpq does).
    ///
    /// Untyped keywords keep the position of their first setting in `extra`.
    pub fn set_param(&mut self, keyword: &str, value: impl Into<String>) -> Result<(), ParamsError> {
        let value = value.into();
        let Some(entry) = lookup(keyword) else {
            return Err(ParamsError::UnknownKeyword(keyword.to_owned()));
        };
        // libpq passes values as C strings, so a NUL could never reach the server.
        if value.contains('\0') {
            return Err(ParamsError::NulCharacter(keyword.to_owned()));
        }
        match entry.name {
            "host" => self.host = Some(value),
            "hostaddr" => self.hostaddr = Some(value),
            "port" => self.port = Some(value),
            "dbname" => self.dbname = Some(value),
            "user" => self.user = Some(value),
            "password" => self.password = Some(Secret::new(value)),
            "sslmode" => self.sslmode = Some(value.parse::<SslMode>()?),
            "sslrootcert" => self.sslrootcert = Some(value),
            "sslcert" => self.sslcert = Some(value),
            "sslkey" => self.sslkey = Some(value),
            "sslpassword" => self.sslpassword = Some(Secret::new(value)),
            "application_name" => self.application_name = Some(value),
            "connect_timeout" => self.connect_timeout = Some(value),
            "options" => self.options = Some(value),
            "target_session_attrs" => self.target_session_attrs = Some(value),
            "channel_binding" => self.channel_binding = Some(value),
            name => match self.extra.iter_mut().find(|(k, _)| k == name) {
                Some(slot) => slot.1 = value,
                None => self.extra.push((name.to_owned(), value)),
            },
        }
        Ok(())
    }

    /// Every keyword set, as `(libpq keyword, value)`: typed fields first in a
    /// fixed order, then `extra` in its order. Secrets are exposed: callers
    /// that print this are showing the user what they typed.
    pub fn to_params(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> =
            TYPED_ORDER.iter().filter_map(|k| self.get_param(k).map(|v| ((*k).to_owned(), v))).collect();
        out.extend(self.extra.iter().cloned());
        out
    }

    /// Build from `(keyword, value)` pairs (the CLI's `--json` input). Later
    /// pairs override earlier ones; a keyword libpq does not know is an error.
    pub fn from_params<I, K, V>(params: I) -> Result<ConnInfo, ParamsError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut info = ConnInfo::default();
        for (k, v) in params {
            info.set_param(k.as_ref(), v)?;
        }
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_libpq_17_keywords_once_each() {
        assert_eq!(KEYWORDS.len(), 41);
        for (i, k) in KEYWORDS.iter().enumerate() {
            assert!(!KEYWORDS[..i].iter().any(|o| o.name == k.name), "{} twice", k.name);
        }
        for t in TYPED_ORDER {
            assert!(lookup(t).is_some_and(|k| k.typed), "{t} not typed in the table");
        }
        assert_eq!(KEYWORDS.iter().filter(|k| k.typed).count(), TYPED_ORDER.len());
    }

    #[test]
    fn every_keyword_round_trips_through_set_and_get() {
        for k in KEYWORDS {
            let mut info = ConnInfo::default();
            let v = if k.name == "sslmode" { "verify-ca" } else { "v a/l" };
            info.set_param(k.name, v).unwrap();
            assert_eq!(info.get_param(k.name).as_deref(), Some(v), "{}", k.name);
            assert_eq!(info.to_params(), vec![(k.name.to_owned(), v.to_owned())]);
        }
    }

    #[test]
    fn extra_keeps_first_position_and_last_value() {
        let info = ConnInfo::from_params([("keepalives", "1"), ("sslsni", "0"), ("keepalives", "0")]).unwrap();
        assert_eq!(info.extra, vec![("keepalives".to_owned(), "0".to_owned()), ("sslsni".to_owned(), "0".to_owned())]);
    }

    #[test]
    fn from_params_rejects_unknown_bad_sslmode_and_nul() {
        assert_eq!(
            ConnInfo::from_params([("pgbouncer", "true")]),
            Err(ParamsError::UnknownKeyword("pgbouncer".into()))
        );
        assert!(matches!(ConnInfo::from_params([("sslmode", "strict")]), Err(ParamsError::InvalidSslMode(_))));
        assert_eq!(ConnInfo::from_params([("user", "a\0b")]), Err(ParamsError::NulCharacter("user".into())));
    }
}
