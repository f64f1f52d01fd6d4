//! The six libpq `sslmode` values and what each one guarantees.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// Plain first; TLS only if the server refuses plain.
    Allow,
    /// TLS if the server offers it, otherwise plain. libpq's default.
    #[default]
    Prefer,
    /// TLS or fail. Verifies the chain only when a root certificate is given.
    Require,
    /// TLS, chain verified against the root certificate (or the system store).
    VerifyCa,
    /// TLS, chain and host name verified.
    VerifyFull,
}

impl SslMode {
    pub const ALL: [SslMode; 6] = [
        SslMode::Disable,
        SslMode::Allow,
        SslMode::Prefer,
        SslMode::Require,
        SslMode::VerifyCa,
        SslMode::VerifyFull,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// One line on what the mode guarantees, for the form and the CLI help.
    pub fn explanation(self) -> &'static str {
        match self {
            SslMode::Disable => "Never encrypt. Only for trusted local networks.",
            SslMode::Allow => "Try unencrypted first; encrypt only if the server insists. No protection against eavesdropping.",
            SslMode::Prefer => "Encrypt if the server supports it, otherwise connect unencrypted. The server is not verified.",
            SslMode::Require => "Always encrypt. The server's certificate is checked only if you give a root certificate.",
            SslMode::VerifyCa => "Always encrypt and check that the server's certificate is signed by a trusted CA.",
            SslMode::VerifyFull => "Always encrypt, check the CA and that the certificate matches the host name. The safest mode.",
        }
    }

    /// Whether the mode refuses to run without TLS.
    pub fn requires_tls(self) -> bool {
        matches!(self, SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull)
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value was not one of libpq's six modes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid sslmode value: \"{0}\" (expected disable, allow, prefer, require, verify-ca or verify-full)")]
pub struct InvalidSslMode(pub String);

impl FromStr for SslMode {
    type Err = InvalidSslMode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SslMode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| InvalidSslMode(s.to_owned()))
    }
}
