//! libpq's `require_auth` (PostgreSQL 16+): which authentication requests
//! the server may make, read exactly as libpq 18 reads it
//! (`pqConnectOptions2`), and judged as libpq judges each request
//! (`check_expected_areq`, `pg_SASL_init`). The probe enforces it on the
//! wire, before tokio-postgres can answer a request the user ruled out.
//!
//! - A comma-separated list, nothing trimmed: `password`, `md5`, `gss`,
//!   `sspi`, `scram-sha-256`, `oauth`, `none`.
//! - All plain (only these) or all negated with `!` (anything but these);
//!   mixing them, an unknown or empty method, or one named twice is an
//!   error, with libpq's message.
//! - `none` allows a server that asks for nothing (trust, or a client
//!   certificate alone); `!none` forbids it. A plain list forbids it unless
//!   it names `none`.
//! - SCRAM and OAuth share the SASL requests; which mechanisms are allowed
//!   is kept apart, as libpq keeps it.

/// The authentication request codes (`AuthenticationXXX` in the protocol).
pub mod request {
    pub const OK: u32 = 0;
    pub const KERBEROS_V5: u32 = 2;
    pub const CLEARTEXT_PASSWORD: u32 = 3;
    pub const MD5_PASSWORD: u32 = 5;
    pub const GSS: u32 = 7;
    pub const GSS_CONTINUE: u32 = 8;
    pub const SSPI: u32 = 9;
    pub const SASL: u32 = 10;
    pub const SASL_CONTINUE: u32 = 11;
    pub const SASL_FINAL: u32 = 12;
}

const SASL_BITS: u32 = (1 << request::SASL) | (1 << request::SASL_CONTINUE) | (1 << request::SASL_FINAL);

/// A parsed `require_auth`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequireAuth {
    /// The value as given, for messages (libpq quotes it whole).
    pub text: String,
    /// Allowed request codes, as a bit set (`1 << code`).
    allowed: u32,
    /// The server must ask for something and the client must finish it.
    auth_required: bool,
    scram: bool,
    oauth: bool,
}

impl RequireAuth {
    /// `None` for an empty value (no requirement), else the parsed list or
    /// libpq's error message.
    pub fn parse(value: &str) -> Result<Option<RequireAuth>, String> {
        if value.is_empty() {
            return Ok(None);
        }
        let mut r = RequireAuth { text: value.to_owned(), allowed: 0, auth_required: true, scram: false, oauth: false };
        let mut negated = false;
        for (i, part) in value.split(',').enumerate() {
            let mut method = part;
            if let Some(rest) = part.strip_prefix('!') {
                if i == 0 {
                    // Start from everything and take away.
                    r.auth_required = false;
                    r.allowed = u32::MAX;
                    r.scram = true;
                    r.oauth = true;
                } else if !negated {
                    return Err(format!("negative require_auth method \"{part}\" cannot be mixed with non-negative methods"));
                }
                negated = true;
                method = rest;
            } else if negated {
                return Err(format!("require_auth method \"{part}\" cannot be mixed with negative methods"));
            }
            let duplicate = || Err(format!("require_auth method \"{part}\" is specified more than once"));
            let bits = match method {
                "password" => 1 << request::CLEARTEXT_PASSWORD,
                "md5" => 1 << request::MD5_PASSWORD,
                "gss" => (1 << request::GSS) | (1 << request::GSS_CONTINUE),
                "sspi" => (1 << request::SSPI) | (1 << request::GSS_CONTINUE),
                "scram-sha-256" | "oauth" => {
                    let mech = if method == "oauth" { &mut r.oauth } else { &mut r.scram };
                    // Negated: it must still be there to take away; plain: not there yet.
                    if *mech == negated {
                        *mech = !negated;
                    } else {
                        return duplicate();
                    }
                    continue;
                }
                "none" => {
                    // "none" lifts the need to authenticate, "!none" restores it.
                    if r.auth_required == negated {
                        return duplicate();
                    }
                    r.auth_required = negated;
                    continue;
                }
                _ => return Err(format!("invalid require_auth value: \"{method}\"")),
            };
            if negated {
                if r.allowed & bits == 0 {
                    return duplicate();
                }
                r.allowed &= !bits;
            } else {
                if r.allowed & bits == bits {
                    return duplicate();
                }
                r.allowed |= bits;
            }
        }
        // SASL requests are allowed if, and only if, a mechanism is.
        let any_mech = r.scram || r.oauth;
        if !negated && any_mech {
            r.allowed |= SASL_BITS;
        } else if negated && !any_mech {
            r.allowed &= !SASL_BITS;
        }
        Ok(Some(r))
    }

    /// libpq's verdict on one request: `Err(reason)` when the server may not
    /// ask for it. `finished` says whether the client completed an exchange
    /// before `AuthenticationOk`.
    pub fn check(&self, code: u32, finished: bool) -> Result<(), String> {
        if code == request::OK {
            return if !self.auth_required || finished {
                Ok(())
            } else {
                Err(self.failed("server did not complete authentication"))
            };
        }
        if code < 32 && self.allowed & (1 << code) != 0 {
            return Ok(());
        }
        let reason = match code {
            request::CLEARTEXT_PASSWORD => "server requested a cleartext password",
            request::MD5_PASSWORD => "server requested a hashed password",
            request::GSS | request::GSS_CONTINUE => "server requested GSSAPI authentication",
            request::SSPI => "server requested SSPI authentication",
            request::SASL | request::SASL_CONTINUE | request::SASL_FINAL => "server requested SASL authentication",
            _ => "server requested an unknown authentication type",
        };
        Err(self.failed(reason))
    }

    /// libpq's verdict on the SASL mechanism it would pick (SCRAM-SHA-256 or
    /// SCRAM-SHA-256-PLUS), once SASL itself is allowed.
    pub fn check_mechanism(&self, mechanism: &str) -> Result<(), String> {
        let allowed = match mechanism {
            "SCRAM-SHA-256" | "SCRAM-SHA-256-PLUS" => self.scram,
            "OAUTHBEARER" => self.oauth,
            _ => true,
        };
        if allowed {
            Ok(())
        } else {
            Err(self.failed(&format!("server requested {mechanism} authentication")))
        }
    }

    fn failed(&self, reason: &str) -> String {
        format!("authentication method requirement \"{}\" failed: {reason}", self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::request::*;
    use super::*;

    fn parse(v: &str) -> RequireAuth {
        RequireAuth::parse(v).unwrap().unwrap()
    }

    #[test]
    fn errors_are_libpqs() {
        // Each message as libpq 18's psql printed it for the same value.
        for (value, message) in [
            ("foo", "invalid require_auth value: \"foo\""),
            ("password,!md5", "negative require_auth method \"!md5\" cannot be mixed with non-negative methods"),
            ("!md5,password", "require_auth method \"password\" cannot be mixed with negative methods"),
            ("!none,none", "require_auth method \"none\" cannot be mixed with negative methods"),
            ("md5,md5", "require_auth method \"md5\" is specified more than once"),
            ("!md5,!md5", "require_auth method \"!md5\" is specified more than once"),
            ("none,none", "require_auth method \"none\" is specified more than once"),
            ("!none,!none", "require_auth method \"!none\" is specified more than once"),
            ("scram-sha-256,scram-sha-256", "require_auth method \"scram-sha-256\" is specified more than once"),
            ("password,", "invalid require_auth value: \"\""),
            (",password", "invalid require_auth value: \"\""),
            ("!", "invalid require_auth value: \"\""),
            (" password", "invalid require_auth value: \" password\""),
            ("scram-sha-256, md5", "invalid require_auth value: \" md5\""),
            ("SCRAM-SHA-256", "invalid require_auth value: \"SCRAM-SHA-256\""),
        ] {
            assert_eq!(RequireAuth::parse(value), Err(message.to_owned()), "{value}");
        }
        assert_eq!(RequireAuth::parse(""), Ok(None));
        for ok in ["gss,sspi", "!gss,!sspi", "oauth", "!oauth", "scram-sha-256,none", "sspi,none"] {
            assert!(RequireAuth::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn requests_are_judged_as_libpq_judges_them() {
        // (require_auth, request, finished) -> allowed; from libpq 18 against
        // trust, password, md5 and scram-sha-256 logins.
        let cases: &[(&str, u32, bool)] = &[
            ("password", CLEARTEXT_PASSWORD, true),
            ("password", MD5_PASSWORD, false),
            ("password", SASL, false),
            ("md5", MD5_PASSWORD, true),
            ("scram-sha-256", SASL, true),
            ("scram-sha-256", CLEARTEXT_PASSWORD, false),
            ("!password", CLEARTEXT_PASSWORD, false),
            ("!password", SASL, true),
            ("!md5", MD5_PASSWORD, false),
            ("!scram-sha-256", SASL, true), // refused later, by mechanism
            ("!gss,!sspi", MD5_PASSWORD, true),
            ("gss,sspi", SASL, false),
            ("none", CLEARTEXT_PASSWORD, false),
            ("oauth", SASL, true),
            ("oauth", MD5_PASSWORD, false),
        ];
        for &(value, code, allowed) in cases {
            assert_eq!(parse(value).check(code, false).is_ok(), allowed, "{value} vs request {code}");
        }
        assert_eq!(
            parse("md5").check(CLEARTEXT_PASSWORD, false).unwrap_err(),
            "authentication method requirement \"md5\" failed: server requested a cleartext password"
        );
    }

    #[test]
    fn a_login_that_asks_for_nothing_needs_none() {
        // (require_auth, allowed when the server sends AuthenticationOk at once)
        for (value, allowed) in [
            ("password", false),
            ("scram-sha-256", false),
            ("none", true),
            ("scram-sha-256,none", true),
            ("sspi,none", true),
            ("!password", true),
            ("!none", false),
            ("!oauth", true),
            ("oauth", false),
        ] {
            assert_eq!(parse(value).check(OK, false).is_ok(), allowed, "{value}");
        }
        // After a finished exchange, Ok is always fine.
        assert!(parse("password").check(OK, true).is_ok());
        assert_eq!(
            parse("!none").check(OK, false).unwrap_err(),
            "authentication method requirement \"!none\" failed: server did not complete authentication"
        );
    }

    #[test]
    fn sasl_mechanisms_are_kept_apart() {
        assert!(parse("!scram-sha-256").check_mechanism("SCRAM-SHA-256").is_err());
        assert_eq!(
            parse("oauth").check_mechanism("SCRAM-SHA-256").unwrap_err(),
            "authentication method requirement \"oauth\" failed: server requested SCRAM-SHA-256 authentication"
        );
        assert!(parse("scram-sha-256").check_mechanism("SCRAM-SHA-256-PLUS").is_ok());
        assert!(parse("!oauth").check_mechanism("SCRAM-SHA-256").is_ok());
        // Both mechanisms taken away: SASL itself is refused.
        assert!(parse("!scram-sha-256,!oauth").check(SASL, false).is_err());
    }
}
