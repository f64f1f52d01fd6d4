//! The TLS client key, read as libpq reads it (with OpenSSL): PEM first
//! (PKCS#8, PKCS#1 RSA, SEC1 EC; encrypted as PKCS#8 or as the traditional
//! `Proc-Type: 4,ENCRYPTED` form), else DER (plain, or encrypted PKCS#8),
//! the passphrase being libpq's `sslpassword`. As libpq does, a passphrase
//! given for an unencrypted key is ignored.

use openssl::pkey::{PKey, Private};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyError {
    /// The key is encrypted and no passphrase was given.
    PassphraseMissing,
    /// The passphrase does not open the key (OpenSSL's reason, e.g. "bad decrypt").
    WrongPassphrase(String),
    /// Not a private key OpenSSL reads.
    Malformed(String),
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyError::PassphraseMissing => f.write_str("the client key is encrypted and no passphrase (sslpassword) was given"),
            KeyError::WrongPassphrase(why) => write!(f, "the passphrase (sslpassword) does not decrypt the client key: {why}"),
            KeyError::Malformed(why) => write!(f, "the client key cannot be read: {why}"),
        }
    }
}

/// OpenSSL's last reason, as libpq prints it ("bad decrypt").
fn reason(e: &openssl::error::ErrorStack) -> String {
    e.errors().iter().rev().find_map(|x| x.reason()).map_or_else(|| e.to_string(), str::to_owned)
}

/// Reads a private key from `bytes` (a file's content, or pasted PEM).
pub(crate) fn load(bytes: &[u8], passphrase: Option<&str>) -> Result<PKey<Private>, KeyError> {
    let pass = passphrase.unwrap_or("");
    let is_pem = bytes.windows(10).any(|w| w == b"-----BEGIN");
    if is_pem {
        let encrypted = bytes.windows(9).any(|w| w == b"ENCRYPTED");
        if encrypted && pass.is_empty() {
            return Err(KeyError::PassphraseMissing);
        }
        return PKey::private_key_from_pem_callback(bytes, |buf| give(buf, pass)).map_err(|e| {
            if encrypted {
                KeyError::WrongPassphrase(reason(&e))
            } else {
                KeyError::Malformed(reason(&e))
            }
        });
    }
    if let Ok(key) = PKey::private_key_from_der(bytes) {
        return Ok(key);
    }
    if !looks_encrypted_pkcs8(bytes) {
        return Err(KeyError::Malformed("neither a PEM nor a DER private key".into()));
    }
    if pass.is_empty() {
        // An EncryptedPrivateKeyInfo (what `openssl pkcs8 -outform DER` writes with a cipher).
        return Err(KeyError::PassphraseMissing);
    }
    PKey::private_key_from_pkcs8_callback(bytes, |buf| give(buf, pass)).map_err(|e| {
        if looks_encrypted_pkcs8(bytes) {
            KeyError::WrongPassphrase(reason(&e))
        } else {
            KeyError::Malformed(reason(&e))
        }
    })
}

/// Hands the passphrase to OpenSSL (any bytes, a NUL included).
fn give(buf: &mut [u8], pass: &str) -> Result<usize, openssl::error::ErrorStack> {
    let n = pass.len().min(buf.len());
    buf[..n].copy_from_slice(&pass.as_bytes()[..n]);
    Ok(n)
}

/// EncryptedPrivateKeyInfo ::= SEQUENCE { SEQUENCE { OID ... }, OCTET STRING }:
/// the first inner element is an AlgorithmIdentifier (a SEQUENCE), where a
/// plain PKCS#8 key starts with its INTEGER version.
fn looks_encrypted_pkcs8(der: &[u8]) -> bool {
    let inner = |d: &[u8]| -> Option<usize> {
        if d.first() != Some(&0x30) {
            return None;
        }
        let l = *d.get(1)?;
        Some(if l < 0x80 { 2 } else { 2 + (l & 0x7f) as usize })
    };
    inner(der).and_then(|at| der.get(at)).is_some_and(|t| *t == 0x30)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_libpq_reads() {
        let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
        let key = PKey::from_rsa(rsa).unwrap();
        let cipher = openssl::symm::Cipher::aes_256_cbc();
        let forms: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
            ("pkcs8 pem", key.private_key_to_pem_pkcs8().unwrap(), None),
            ("pkcs1 pem", key.rsa().unwrap().private_key_to_pem().unwrap(), None),
            ("traditional encrypted", key.rsa().unwrap().private_key_to_pem_passphrase(cipher, b"pw").unwrap(), Some("pw")),
            ("pkcs8 encrypted pem", key.private_key_to_pem_pkcs8_passphrase(cipher, b"pw").unwrap(), Some("pw")),
            ("der", key.private_key_to_der().unwrap(), None),
            ("pkcs8 der", key.private_key_to_pkcs8().unwrap(), None),
            ("encrypted der", key.private_key_to_pkcs8_passphrase(cipher, b"pw").unwrap(), Some("pw")),
        ];
        for (what, bytes, pass) in forms {
            let got = load(&bytes, pass).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(got.public_eq(&key), "{what}");
            if pass.is_some() {
                assert_eq!(load(&bytes, None).unwrap_err(), KeyError::PassphraseMissing, "{what}");
                assert!(matches!(load(&bytes, Some("wrong")), Err(KeyError::WrongPassphrase(_))), "{what}");
            } else {
                assert!(load(&bytes, Some("ignored")).is_ok(), "{what}: a passphrase for a plain key is ignored");
            }
        }
        assert!(matches!(load(b"not a key", None), Err(KeyError::Malformed(_))));
        // Any passphrase, a NUL in it included, is an answer, never a panic.
        let enc = key.private_key_to_pkcs8_passphrase(cipher, b"pw").unwrap();
        assert!(matches!(load(&enc, Some("p\0w")), Err(KeyError::WrongPassphrase(_))));
    }
}
