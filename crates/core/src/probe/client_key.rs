//! The TLS client key, as libpq reads it: plain PEM (PKCS#8, PKCS#1 RSA or
//! SEC1 EC), or encrypted with a passphrase (libpq's `sslpassword`) in
//! either form OpenSSL writes:
//!
//! - PKCS#8 `ENCRYPTED PRIVATE KEY` (PBES2: PBKDF2 or scrypt with AES-CBC or
//!   3DES; what `openssl pkcs8 -topk8`, `genpkey -aes256` and OpenSSL 3's
//!   `genrsa -aes256` write), through RustCrypto's `pkcs8`;
//! - the traditional OpenSSL PEM (`Proc-Type: 4,ENCRYPTED` and `DEK-Info`,
//!   as `openssl ec -aes256` or `openssl rsa -traditional -des3` write), which
//!   no maintained crate reads: its key is OpenSSL's `EVP_BytesToKey` (MD5,
//!   one round, the IV's first 8 bytes as salt) and the body AES- or
//!   3DES-CBC, done here on RustCrypto's `md-5`, `aes`, `des` and `cbc`.
//!
//! A wrong passphrase shows as bad padding, or as a plaintext that is not
//! one DER SEQUENCE; both are [`KeyError::WrongPassphrase`]. As libpq does,
//! a passphrase given for an unencrypted key is ignored.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};
use zeroize::Zeroizing;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyError {
    /// The key is encrypted and no passphrase was given.
    PassphraseMissing,
    /// The passphrase does not open the key.
    WrongPassphrase,
    /// An encryption scheme this reader does not know (PBES1, an odd cipher).
    Unsupported(String),
    /// Not a PEM private key at all.
    Malformed(String),
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyError::PassphraseMissing => f.write_str("the client key is encrypted and no passphrase (sslpassword) was given"),
            KeyError::WrongPassphrase => f.write_str("the passphrase (sslpassword) does not decrypt the client key"),
            KeyError::Unsupported(what) => write!(f, "the client key is encrypted in a way Sluice cannot read ({what}); re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`"),
            KeyError::Malformed(why) => write!(f, "the client key is not a valid PEM private key: {why}"),
        }
    }
}

/// The private key in `pem`, decrypted with `passphrase` when it is encrypted.
pub(crate) fn load(pem: &[u8], passphrase: Option<&str>) -> Result<PrivateKeyDer<'static>, KeyError> {
    let text = std::str::from_utf8(pem).map_err(|_| KeyError::Malformed("it is not text".into()))?;
    let passphrase = passphrase.filter(|p| !p.is_empty()).map(str::as_bytes);
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return decrypt_pkcs8(text, passphrase.ok_or(KeyError::PassphraseMissing)?);
    }
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return decrypt_traditional(text, passphrase.ok_or(KeyError::PassphraseMissing)?);
    }
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| KeyError::Malformed(e.to_string()))
}

fn decrypt_pkcs8(pem: &str, passphrase: &[u8]) -> Result<PrivateKeyDer<'static>, KeyError> {
    use pkcs8::der::{Decode, SecretDocument};
    let start = pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----").unwrap_or(0);
    let (label, doc) = SecretDocument::from_pem(&pem[start..]).map_err(|e| KeyError::Malformed(e.to_string()))?;
    if label != "ENCRYPTED PRIVATE KEY" {
        return Err(KeyError::Malformed(format!("unexpected PEM label {label}")));
    }
    let info = pkcs8::EncryptedPrivateKeyInfo::from_der(doc.as_bytes()).map_err(|e| KeyError::Unsupported(e.to_string()))?;
    let plain = info.decrypt(passphrase).map_err(|e| match e {
        // pkcs5 0.7 reports a bad pad as EncryptFailed.
        pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::DecryptFailed | pkcs8::pkcs5::Error::EncryptFailed) => {
            KeyError::WrongPassphrase
        }
        pkcs8::Error::EncryptedPrivateKey(e) => KeyError::Unsupported(e.to_string()),
        pkcs8::Error::Asn1(_) => KeyError::WrongPassphrase,
        e => KeyError::Malformed(e.to_string()),
    })?;
    pkcs8::PrivateKeyInfo::try_from(plain.as_bytes()).map_err(|_| KeyError::WrongPassphrase)?;
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(plain.as_bytes().to_vec())))
}

/// The label, the `DEK-Info` header and the base64 body of a traditional PEM.
fn parse_traditional(pem: &str) -> Result<(String, String, String), KeyError> {
    let mut lines = pem.lines().map(str::trim).skip_while(|l| !l.starts_with("-----BEGIN "));
    let begin = lines.next().ok_or_else(|| KeyError::Malformed("no BEGIN line".into()))?;
    let label = begin.trim_start_matches("-----BEGIN ").trim_end_matches("-----").to_owned();
    let mut dek = None;
    let mut body = String::new();
    let mut in_headers = true;
    for line in lines {
        if line.starts_with("-----END ") {
            let dek = dek.ok_or_else(|| KeyError::Malformed("no DEK-Info header".into()))?;
            return Ok((label, dek, body));
        }
        if in_headers {
            if let Some((k, v)) = line.split_once(':') {
                if k.trim() == "DEK-Info" {
                    dek = Some(v.trim().to_owned());
                }
                continue;
            }
            in_headers = false;
        }
        body.push_str(line);
    }
    Err(KeyError::Malformed("no END line".into()))
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn decrypt_traditional(pem: &str, passphrase: &[u8]) -> Result<PrivateKeyDer<'static>, KeyError> {
    use base64ct::Encoding;
    let (label, dek, body) = parse_traditional(pem)?;
    let (cipher, iv_hex) = dek.split_once(',').ok_or_else(|| KeyError::Malformed("DEK-Info has no IV".into()))?;
    let iv = hex(iv_hex.trim()).ok_or_else(|| KeyError::Malformed("DEK-Info's IV is not hex".into()))?;
    let data = base64ct::Base64::decode_vec(&body).map_err(|e| KeyError::Malformed(e.to_string()))?;
    let (key_len, iv_len) = match cipher.trim() {
        "AES-128-CBC" => (16, 16),
        "AES-192-CBC" => (24, 16),
        "AES-256-CBC" => (32, 16),
        "DES-EDE3-CBC" => (24, 8),
        other => return Err(KeyError::Unsupported(format!("cipher {other}"))),
    };
    if iv.len() != iv_len {
        return Err(KeyError::Malformed("the IV has the wrong length".into()));
    }
    let key = evp_bytes_to_key(passphrase, &iv[..8], key_len);
    let plain = match cipher.trim() {
        "AES-128-CBC" => cbc_decrypt::<aes::Aes128>(&key, &iv, &data)?,
        "AES-192-CBC" => cbc_decrypt::<aes::Aes192>(&key, &iv, &data)?,
        "AES-256-CBC" => cbc_decrypt::<aes::Aes256>(&key, &iv, &data)?,
        _ => cbc_decrypt::<des::TdesEde3>(&key, &iv, &data)?,
    };
    if !is_one_der_sequence(&plain) {
        return Err(KeyError::WrongPassphrase);
    }
    let der = plain.to_vec();
    match label.as_str() {
        "RSA PRIVATE KEY" => Ok(PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(der))),
        "EC PRIVATE KEY" => Ok(PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(der))),
        "PRIVATE KEY" => Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der))),
        other => Err(KeyError::Unsupported(format!("PEM label {other}"))),
    }
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError>
where
    C: cbc::cipher::BlockDecryptMut + cbc::cipher::BlockCipher + cbc::cipher::KeyInit,
{
    use cbc::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
    cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| KeyError::Malformed("key or IV length".into()))?
        .decrypt_padded_vec_mut::<Pkcs7>(data)
        .map(Zeroizing::new)
        .map_err(|_| KeyError::WrongPassphrase)
}

/// OpenSSL's `EVP_BytesToKey` with MD5 and one round: D1 = MD5(pass‖salt),
/// Di = MD5(Di-1‖pass‖salt), the key their concatenation cut to length.
fn evp_bytes_to_key(passphrase: &[u8], salt: &[u8], key_len: usize) -> Zeroizing<Vec<u8>> {
    use md5::{Digest, Md5};
    let mut out = Zeroizing::new(Vec::with_capacity(key_len + 16));
    let mut prev: Option<[u8; 16]> = None;
    while out.len() < key_len {
        let mut h = Md5::new();
        if let Some(p) = prev {
            h.update(p);
        }
        h.update(passphrase);
        h.update(salt);
        let d: [u8; 16] = h.finalize().into();
        out.extend_from_slice(&d);
        prev = Some(d);
    }
    out.truncate(key_len);
    out
}

/// 0x30 with a length that covers the whole buffer.
fn is_one_der_sequence(b: &[u8]) -> bool {
    if b.len() < 2 || b[0] != 0x30 {
        return false;
    }
    let (len, header) = match b[1] {
        n @ 0..=0x7f => (n as usize, 2),
        0x81 if b.len() > 2 => (b[2] as usize, 3),
        0x82 if b.len() > 3 => (((b[2] as usize) << 8) | b[3] as usize, 4),
        0x83 if b.len() > 4 => (((b[2] as usize) << 16) | ((b[3] as usize) << 8) | b[4] as usize, 5),
        _ => return false,
    };
    header + len == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_key_derivation_matches_openssl() {
        // `openssl enc -aes-256-cbc -P -md md5 -S 0001020304050607 -pass pass:secret` prints this key.
        let key = evp_bytes_to_key(b"secret", &[0, 1, 2, 3, 4, 5, 6, 7], 32);
        assert_eq!(hex("035FB8145B73CF111570DC936112BE9C375A5D3D8B915BC213BDBEF9DBFB7851").unwrap(), key.to_vec());
        assert_eq!(&evp_bytes_to_key(b"secret", &[0, 1, 2, 3, 4, 5, 6, 7], 16)[..], &key[..16]);
    }

    #[test]
    fn encrypted_keys_without_a_passphrase_say_so() {
        let p8 = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(load(p8.as_bytes(), None).unwrap_err(), KeyError::PassphraseMissing);
        let trad = "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END EC PRIVATE KEY-----\n";
        assert_eq!(load(trad.as_bytes(), Some("")).unwrap_err(), KeyError::PassphraseMissing);
        assert!(matches!(load(b"not a key", Some("x")), Err(KeyError::Malformed(_))));
        let odd = trad.replace("AES-256-CBC", "CAMELLIA-256-CBC");
        assert!(matches!(load(odd.as_bytes(), Some("x")), Err(KeyError::Unsupported(_))));
        assert!(!is_one_der_sequence(&[0x30, 0x05, 0]) && is_one_der_sequence(&[0x30, 0x01, 0]));
    }
}
