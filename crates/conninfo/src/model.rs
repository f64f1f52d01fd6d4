//! The connection model shared by the parser, the formatter, the store, the
//! IPC and the probe: every libpq keyword a connection sets, by keyword.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::keywords::{self, KEYWORDS};
use crate::{ParamsError, SslMode};
use crate::secret::Secret;

/// Everything a libpq connection string can say, after parsing: one value
/// per libpq keyword that was set, as the decoded text libpq would see.
/// Secret keywords (`password`, `sslpassword`...) hold a [`Secret`].
///
/// `host` and `port` may be comma-separated lists (libpq's multi-host
/// syntax). `sslmode` is checked when set, so [`ConnInfo::sslmode`] is typed.
///
/// Serde reads and writes the non-secret keywords as one JSON object
/// (`{"host": "db", "port": "5432"}`), in table order: that is the store's
/// `params` and the IPC's. A secret keyword is never written, and refused
/// when read: secrets travel on their own.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnInfo {
    values: Vec<Option<Value>>,
}

#[derive(Clone, PartialEq, Eq)]
enum Value {
    Plain(String),
    Secret(Secret),
}

impl Default for ConnInfo {
    fn default() -> Self {
        ConnInfo { values: vec![None; KEYWORDS.len()] }
    }
}

fn slot(keyword: &str) -> usize {
    keywords::index(keyword).unwrap_or_else(|| panic!("\"{keyword}\" is not a libpq keyword"))
}

impl ConnInfo {
    /// The value of a non-secret keyword (`None` when unset, and always for
    /// secret keywords: see [`ConnInfo::secret`]). Panics on a name that is
    /// not a libpq keyword, which is a bug in the caller.
    pub fn get(&self, keyword: &str) -> Option<&str> {
        match &self.values[slot(keyword)] {
            Some(Value::Plain(v)) => Some(v),
            _ => None,
        }
    }

    /// The value of a secret keyword.
    pub fn secret(&self, keyword: &str) -> Option<&Secret> {
        match &self.values[slot(keyword)] {
            Some(Value::Secret(s)) => Some(s),
            _ => None,
        }
    }

    /// Whether the keyword is set (secret or not).
    pub fn is_set(&self, keyword: &str) -> bool {
        self.values[slot(keyword)].is_some()
    }

    /// Set a libpq keyword, replacing any earlier value (as libpq does).
    pub fn set(&mut self, keyword: &str, value: impl Into<String>) -> Result<(), ParamsError> {
        let value = value.into();
        let Some(i) = keywords::index(keyword) else {
            return Err(ParamsError::UnknownKeyword(keyword.to_owned()));
        };
        // libpq passes values as C strings, so a NUL could never reach the server.
        if value.contains('\0') {
            return Err(ParamsError::NulCharacter(keyword.to_owned()));
        }
        if keyword == "sslmode" {
            value.parse::<SslMode>()?;
        }
        self.values[i] = Some(if KEYWORDS[i].secret { Value::Secret(Secret::new(value)) } else { Value::Plain(value) });
        Ok(())
    }

    /// Set a secret keyword from a [`Secret`] (`None` unsets it).
    pub fn set_secret(&mut self, keyword: &str, value: Option<Secret>) {
        let i = slot(keyword);
        debug_assert!(KEYWORDS[i].secret, "{keyword} is not a secret keyword");
        self.values[i] = value.map(Value::Secret);
    }

    /// Unset a keyword.
    pub fn remove(&mut self, keyword: &str) {
        self.values[slot(keyword)] = None;
    }

    /// The password, if one is set.
    pub fn password(&self) -> Option<&Secret> {
        self.secret("password")
    }

    /// The sslmode set (validated when set).
    pub fn sslmode(&self) -> Option<SslMode> {
        self.get("sslmode").and_then(|m| m.parse().ok())
    }

    /// The sslmode libpq uses: the one set; else, with `sslrootcert=system`,
    /// verify-full (libpq 16+); else prefer.
    pub fn effective_sslmode(&self) -> SslMode {
        match (self.sslmode(), self.get("sslrootcert")) {
            (Some(mode), _) => mode,
            (None, Some("system")) => SslMode::VerifyFull,
            (None, _) => SslMode::Prefer,
        }
    }

    /// Every keyword set, as `(keyword, value)` in table order. Secrets are
    /// exposed: callers that print this are showing the user what they typed.
    pub fn to_params(&self) -> Vec<(String, String)> {
        self.entries().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
    }

    /// Every keyword set, borrowed, in table order; secrets exposed.
    pub fn entries(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        KEYWORDS.iter().zip(&self.values).filter_map(|(k, v)| match v {
            Some(Value::Plain(s)) => Some((k.name, s.as_str())),
            Some(Value::Secret(s)) => Some((k.name, s.expose())),
            None => None,
        })
    }

    /// The non-secret keywords set, in table order.
    pub fn params(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        KEYWORDS.iter().zip(&self.values).filter_map(|(k, v)| match v {
            Some(Value::Plain(s)) => Some((k.name, s.as_str())),
            _ => None,
        })
    }

    /// Build from `(keyword, value)` pairs. Later pairs override earlier
    /// ones; a keyword libpq does not know is an error.
    pub fn from_params<I, K, V>(params: I) -> Result<ConnInfo, ParamsError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut info = ConnInfo::default();
        for (k, v) in params {
            info.set(k.as_ref(), v)?;
        }
        Ok(info)
    }

    /// The same connection without any secret keyword.
    pub fn without_secrets(&self) -> ConnInfo {
        let mut out = self.clone();
        for (k, v) in KEYWORDS.iter().zip(out.values.iter_mut()) {
            if k.secret {
                *v = None;
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.values.iter().all(Option::is_none)
    }

    /// Whether `other` names the same server and login: host, hostaddr,
    /// port, user and service, compared as libpq would use them (unset and
    /// empty are the same, values are trimmed, an unset port is 5432). The
    /// service counts because its file can set the host: another service
    /// with the host unset is another server. A saved password is only ever
    /// sent while this holds.
    pub fn same_server(&self, other: &ConnInfo) -> bool {
        let norm = |info: &ConnInfo, k: &str| info.get(k).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let port = |info: &ConnInfo| norm(info, "port").unwrap_or_else(|| "5432".to_owned());
        ["host", "hostaddr", "user", "service"].iter().all(|k| norm(self, k) == norm(other, k)) && port(self) == port(other)
    }
}

impl fmt::Debug for ConnInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (k, v) in KEYWORDS.iter().zip(&self.values) {
            match v {
                Some(Value::Plain(s)) => map.entry(&k.name, s),
                Some(Value::Secret(s)) => map.entry(&k.name, s),
                None => &mut map,
            };
        }
        map.finish()
    }
}

impl Serialize for ConnInfo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (k, v) in self.params() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ConnInfo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Params;
        impl<'de> Visitor<'de> for Params {
            type Value = ConnInfo;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of libpq keywords and their text values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<ConnInfo, A::Error> {
                use serde::de::Error;
                let mut info = ConnInfo::default();
                while let Some((key, value)) = access.next_entry::<String, Option<String>>()? {
                    if keywords::is_secret(&key) {
                        return Err(A::Error::custom(format!("\"{key}\" is a secret and is never stored or sent as a parameter")));
                    }
                    match value {
                        Some(v) => info.set(&key, v).map_err(A::Error::custom)?,
                        None if keywords::is_known(&key) => {}
                        None => return Err(A::Error::custom(ParamsError::UnknownKeyword(key))),
                    }
                }
                Ok(info)
            }
        }
        deserializer.deserialize_map(Params)
    }
}

/// Certificates pasted as PEM text, which no libpq keyword can hold: the
/// root certificate and the client certificate, named by the keyword whose
/// file they replace (and win over, when both are set). The client key, a
/// secret, travels with the other secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InlinePem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sslrootcert: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sslcert: Option<String>,
}

impl InlinePem {
    pub fn is_empty(&self) -> bool {
        self.sslrootcert.is_none() && self.sslcert.is_none()
    }

    /// Empty text counts as absent.
    pub fn normalized(self) -> InlinePem {
        let keep = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        InlinePem { sslrootcert: keep(self.sslrootcert), sslcert: keep(self.sslcert) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyword_round_trips_through_set_and_get() {
        for k in KEYWORDS {
            let mut info = ConnInfo::default();
            let v = if k.name == "sslmode" { "verify-ca" } else { "v a/l" };
            info.set(k.name, v).unwrap();
            let got = if k.secret { info.secret(k.name).map(Secret::expose) } else { info.get(k.name) };
            assert_eq!(got, Some(v), "{}", k.name);
            assert_eq!(info.to_params(), vec![(k.name.to_owned(), v.to_owned())]);
        }
    }

    #[test]
    fn params_are_in_table_order_and_last_value_wins() {
        let info = ConnInfo::from_params([("keepalives", "1"), ("host", "h"), ("sslmode", "require"), ("keepalives", "0")]).unwrap();
        assert_eq!(info.to_params(), [("host", "h"), ("sslmode", "require"), ("keepalives", "0")].map(|(k, v)| (k.to_owned(), v.to_owned())));
    }

    #[test]
    fn from_params_rejects_unknown_bad_sslmode_and_nul() {
        assert_eq!(ConnInfo::from_params([("pgbouncer", "true")]), Err(ParamsError::UnknownKeyword("pgbouncer".into())));
        assert!(matches!(ConnInfo::from_params([("sslmode", "strict")]), Err(ParamsError::InvalidSslMode(_))));
        assert_eq!(ConnInfo::from_params([("user", "a\0b")]), Err(ParamsError::NulCharacter("user".into())));
    }

    #[test]
    fn debug_and_serde_never_show_a_secret() {
        let info = ConnInfo::from_params([("host", "h"), ("password", "hunter2"), ("sslpassword", "phrase")]).unwrap();
        let debug = format!("{info:?}");
        assert!(debug.contains("\"host\": \"h\"") && debug.contains("<redacted>") && !debug.contains("hunter2"), "{debug}");
        assert_eq!(serde_json::to_value(&info).unwrap(), serde_json::json!({"host": "h"}));
        let back: ConnInfo = serde_json::from_value(serde_json::json!({"host": "h", "port": null})).unwrap();
        assert_eq!(back, info.without_secrets());
        assert!(serde_json::from_value::<ConnInfo>(serde_json::json!({"password": "x"})).is_err());
        assert!(serde_json::from_value::<ConnInfo>(serde_json::json!({"pgbouncer": "true"})).is_err());
        assert!(serde_json::from_value::<ConnInfo>(serde_json::json!({"sslmode": "strict"})).is_err());
    }

    #[test]
    fn same_server_compares_what_libpq_would_use() {
        let a = ConnInfo::from_params([("host", "db"), ("user", "u"), ("dbname", "a")]).unwrap();
        let b = ConnInfo::from_params([("host", " db "), ("user", "u"), ("dbname", "b"), ("port", "5432")]).unwrap();
        assert!(a.same_server(&b));
        for (k, v) in [("host", "other"), ("hostaddr", "10.0.0.1"), ("port", "6543"), ("user", "root"), ("service", "prod")] {
            let mut c = a.clone();
            c.set(k, v).unwrap();
            assert!(!a.same_server(&c), "{k}");
        }
    }
}
