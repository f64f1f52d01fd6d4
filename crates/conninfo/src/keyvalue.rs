//! `key=value` conninfo strings, parsed like libpq's `conninfo_parse`.
//!
//! Whitespace (C `isspace`) separates pairs and may surround `=`; a value is
//! either bare (up to the next whitespace) or single-quoted; in both, a
//! backslash makes the next character literal. libpq's quirk is kept: after
//! `=`, whitespace is skipped, so `host= port=5` sets host to `port=5`.

use super::parse::{is_c_space, Builder};
use super::{keywords, ParseError};

pub(crate) fn parse_into(b: &mut Builder<'_>) -> Result<(), ParseError> {
    let input = b.input;
    let s = input.as_bytes();
    let n = s.len();
    let mut cp = 0;
    // The previous value was a secret's and unquoted: a space may have cut
    // the password, so what follows must not be quoted back in a message.
    let mut after_bare_secret = false;
    while cp < n {
        if is_c_space(s[cp]) {
            cp += 1;
            continue;
        }

        // The keyword runs to "=" or whitespace; whitespace may precede "=".
        let name_start = cp;
        let mut name_end = n;
        while cp < n {
            if s[cp] == b'=' {
                name_end = cp;
                break;
            }
            if is_c_space(s[cp]) {
                name_end = cp;
                while cp < n && is_c_space(s[cp]) {
                    cp += 1;
                }
                break;
            }
            cp += 1;
        }
        let name = input.get(name_start..name_end).unwrap_or("");
        let maybe_password = after_bare_secret && !keywords::is_known(name);
        if cp >= n || s[cp] != b'=' {
            if maybe_password {
                return Err(ParseError::SpaceInSecret { position: b.pos(name_start) });
            }
            return Err(ParseError::MissingEquals { keyword: name.to_owned(), position: b.pos(name_start) });
        }
        cp += 1;
        while cp < n && is_c_space(s[cp]) {
            cp += 1;
        }

        let value_at = cp;
        let mut value = Vec::new();
        let bare = cp >= n || s[cp] != b'\'';
        if bare {
            while cp < n {
                if is_c_space(s[cp]) {
                    cp += 1;
                    break;
                }
                if s[cp] == b'\\' {
                    cp += 1;
                }
                if cp < n {
                    value.push(s[cp]);
                    cp += 1;
                }
            }
        } else {
            let open = cp;
            cp += 1;
            loop {
                if cp >= n {
                    return Err(ParseError::UnterminatedQuote { position: b.pos(open) });
                }
                match s[cp] {
                    b'\\' => {
                        cp += 1;
                        if cp < n {
                            value.push(s[cp]);
                            cp += 1;
                        }
                    }
                    b'\'' => {
                        cp += 1;
                        break;
                    }
                    c => {
                        value.push(c);
                        cp += 1;
                    }
                }
            }
        }
        // Only ASCII backslashes were dropped from valid UTF-8, so this holds;
        // lossy conversion is a belt, not a path.
        let value = String::from_utf8(value).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        if maybe_password {
            b.store_unnamed_unknown(name, value);
        } else {
            b.store(name, value, value_at)?;
        }
        after_bare_secret = bare && keywords::is_secret(name);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::parse_keyvalue;

    #[test]
    fn libpq_quirks() {
        let p = parse_keyvalue("host= port=5").unwrap();
        assert_eq!(p.info.get("host"), Some("port=5"));
        assert_eq!(p.info.get("port"), None);
        // A trailing lone backslash is dropped, as in libpq.
        let p = parse_keyvalue("user=a\\").unwrap();
        assert_eq!(p.info.get("user"), Some("a"));
        // A quoted value may be glued to the next pair.
        let p = parse_keyvalue("user='a'dbname=b").unwrap();
        assert_eq!(p.info.get("user"), Some("a"));
        assert_eq!(p.info.get("dbname"), Some("b"));
    }

    #[test]
    fn a_password_cut_by_a_space_is_never_quoted_back() {
        let e = parse_keyvalue("host=h password=top secret dbname=x").unwrap_err();
        assert!(matches!(e, crate::ParseError::SpaceInSecret { position: 20 }), "{e:?}");
        assert!(!e.to_string().contains("secret"), "{e}");
        let p = parse_keyvalue("password=top sec=ret host=h").unwrap();
        assert_eq!(p.info.get("host"), Some("h"));
        assert!(p.warnings.iter().all(|w| !w.contains("sec") && !w.contains("ret")), "{:?}", p.warnings);
        assert_eq!(p.warnings.len(), 1);
        // A quoted password, or a keyword after it, is not suspicious.
        assert!(parse_keyvalue("password='top secret' dbname=x").is_ok());
        assert!(matches!(parse_keyvalue("user=a typo").unwrap_err(), crate::ParseError::MissingEquals { .. }));
    }

    #[test]
    fn backslash_before_multibyte_character_keeps_it_whole() {
        let p = parse_keyvalue("password=\\é'x'").unwrap();
        assert_eq!(p.info.password().unwrap().expose(), "é'x'");
    }
}
