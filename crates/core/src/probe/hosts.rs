//! Several hosts, as libpq 17/18 tries them (`PQconnectPoll`):
//! - hosts in order (shuffled once with `load_balance_hosts=random`), every
//!   address of a name in the resolver's order (shuffled too when random);
//! - a failed TCP connect moves to the next address; a name that does not
//!   resolve, a server starting up or in recovery (57P03), and a session of
//!   the wrong type move to the next host; any other failure (TLS, a wrong
//!   password, no pg_hba entry) ends the test, as it ends libpq's;
//! - `target_session_attrs` is checked after authentication from the
//!   startup `ParameterStatus` (`in_hot_standby`,
//!   `default_transaction_read_only`), or, from servers before 14, with
//!   libpq's own queries (`SHOW transaction_read_only`,
//!   `pg_is_in_recovery()`);
//! - `prefer-standby` walks the list a second time accepting any server.
//!
//! Every try is an [`Attempt`] in the report.

use super::report::ErrorCode;
use serde::Serialize;

/// libpq's `target_session_attrs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetType {
    Any,
    ReadWrite,
    ReadOnly,
    Primary,
    Standby,
    PreferStandby,
}

impl TargetType {
    pub fn parse(value: Option<&str>) -> Result<TargetType, String> {
        Ok(match value.unwrap_or("any") {
            "" | "any" => TargetType::Any,
            "read-write" => TargetType::ReadWrite,
            "read-only" => TargetType::ReadOnly,
            "primary" => TargetType::Primary,
            "standby" => TargetType::Standby,
            "prefer-standby" => TargetType::PreferStandby,
            other => return Err(format!("invalid target_session_attrs value: \"{other}\"")),
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TargetType::Any => "any",
            TargetType::ReadWrite => "read-write",
            TargetType::ReadOnly => "read-only",
            TargetType::Primary => "primary",
            TargetType::Standby => "standby",
            TargetType::PreferStandby => "prefer-standby",
        }
    }

    /// What the check needs to know about the session.
    pub fn needs(self) -> Needs {
        match self {
            TargetType::Any => Needs::Nothing,
            TargetType::ReadWrite | TargetType::ReadOnly => Needs::ReadOnly,
            TargetType::Primary | TargetType::Standby | TargetType::PreferStandby => Needs::HotStandby,
        }
    }

    /// libpq's reason for passing a server over, or None when it fits.
    /// `read_only` is `default_transaction_read_only || in_hot_standby`.
    pub fn reject(self, read_only: Option<bool>, hot_standby: Option<bool>) -> Option<&'static str> {
        match self {
            TargetType::Any => None,
            TargetType::ReadWrite => (read_only == Some(true)).then_some("session is read-only"),
            TargetType::ReadOnly => (read_only != Some(true)).then_some("session is not read-only"),
            TargetType::Primary => (hot_standby == Some(true)).then_some("server is in hot standby mode"),
            TargetType::Standby | TargetType::PreferStandby => (hot_standby != Some(true)).then_some("server is not in hot standby mode"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    Nothing,
    ReadOnly,
    HotStandby,
}

/// libpq's `load_balance_hosts`: true for `random`.
pub(crate) fn load_balance(value: Option<&str>) -> Result<bool, String> {
    match value.unwrap_or("disable") {
        "" | "disable" => Ok(false),
        "random" => Ok(true),
        other => Err(format!("invalid load_balance_hosts value: \"{other}\"")),
    }
}

/// One try of one address.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub host: String,
    pub port: u16,
    /// The address dialled (none when the name did not resolve).
    pub address: Option<String>,
    pub outcome: AttemptOutcome,
    /// The error code of a failed try, or the reason a server was passed over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
    /// What happened, in libpq's words where it has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub ms: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    Connected,
    WrongSessionType,
    Failed,
}

/// Inside-out Fisher–Yates, as libpq shuffles (seeded from the clock and
/// the process: the order is meant to be unpredictable, not secret).
pub(crate) fn shuffle<T>(items: &mut [T]) {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.write_u32(std::process::id());
    let mut state = h.finish() | 1;
    let mut next = move || {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    for i in 1..items.len() {
        let j = (next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// The hint for a server passed over for its type.
pub(crate) fn passed_over_hint(want: TargetType, reason: &str) -> String {
    match (want, reason) {
        (TargetType::ReadWrite, _) => format!("this host's session is read-only (a standby, or default_transaction_read_only=on); target_session_attrs={} needs the writable primary", want.as_str()),
        (TargetType::Primary, _) => format!("this host is a standby; target_session_attrs={} needs the primary", want.as_str()),
        (TargetType::ReadOnly, _) => format!("this host's session is writable; target_session_attrs={} needs a read-only session", want.as_str()),
        _ => format!("this host is not a standby ({reason}); target_session_attrs={} needs one", want.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpqs_checks() {
        use TargetType as T;
        // (read_only, hot_standby) of a primary, a read-only primary, a standby.
        let primary = (Some(false), Some(false));
        let ro_primary = (Some(true), Some(false));
        let standby = (Some(true), Some(true));
        let fits = |t: T, s: (Option<bool>, Option<bool>)| t.reject(s.0, s.1).is_none();
        assert!(fits(T::ReadWrite, primary) && !fits(T::ReadWrite, ro_primary) && !fits(T::ReadWrite, standby));
        assert!(!fits(T::ReadOnly, primary) && fits(T::ReadOnly, ro_primary) && fits(T::ReadOnly, standby));
        assert!(fits(T::Primary, primary) && fits(T::Primary, ro_primary) && !fits(T::Primary, standby));
        assert!(!fits(T::Standby, primary) && fits(T::Standby, standby));
        assert!(fits(T::Any, standby));
        assert_eq!(T::parse(Some("read-write")), Ok(T::ReadWrite));
        assert!(T::parse(Some("readwrite")).unwrap_err().contains("invalid target_session_attrs value"));
        assert!(load_balance(Some("random")).unwrap() && !load_balance(None).unwrap() && load_balance(Some("yes")).is_err());
    }

    #[test]
    fn shuffling_keeps_every_item() {
        let mut v: Vec<u32> = (0..50).collect();
        shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    }
}
