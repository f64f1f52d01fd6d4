//! SQL quoting for the text Sluice writes: identifiers in fix SQL, literals in
//! the analysis query, and object names inside SQL comments.

use super::AccessError;

/// Every keyword Postgres's `quote_ident` quotes: all categories except
/// unreserved (reserved, column-name and type/function-name keywords).
///
/// This is PostgreSQL 15's list (`pg_get_keywords() WHERE catcode <> 'U'`)
/// plus the ones later versions added (SYSTEM_USER and the SQL/JSON words),
/// so the SQL we write is valid on every supported server; quoting one word
/// too many is harmless, one too few is a syntax error. Sorted for binary search.
const QUOTED_KEYWORDS: &[&str] = &[
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
    "authorization", "between", "bigint", "binary", "bit", "boolean", "both", "case", "cast",
    "char", "character", "check", "coalesce", "collate", "collation", "column", "concurrently",
    "constraint", "create", "cross", "current_catalog", "current_date", "current_role",
    "current_schema", "current_time", "current_timestamp", "current_user", "dec", "decimal",
    "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "exists",
    "extract", "false", "fetch", "float", "for", "foreign", "freeze", "from", "full", "grant",
    "greatest", "group", "grouping", "having", "ilike", "in", "initially", "inner", "inout",
    "int", "integer", "intersect", "interval", "into", "is", "isnull", "join", "json",
    "json_array", "json_arrayagg", "json_exists", "json_object", "json_objectagg", "json_query",
    "json_scalar", "json_serialize", "json_table", "json_value", "lateral", "leading", "least",
    "left", "like", "limit", "localtime", "localtimestamp", "merge_action", "national",
    "natural", "nchar", "none", "normalize", "not", "notnull", "null", "nullif", "numeric",
    "offset", "on", "only", "or", "order", "out", "outer", "overlaps", "overlay", "placing",
    "position", "precision", "primary", "real", "references", "returning", "right", "row",
    "select", "session_user", "setof", "similar", "smallint", "some", "substring", "symmetric",
    "system_user", "table", "tablesample", "then", "time", "timestamp", "to", "trailing",
    "treat", "trim", "true", "union", "unique", "user", "using", "values", "varchar",
    "variadic", "verbose", "when", "where", "window", "with", "xmlattributes", "xmlconcat",
    "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot",
    "xmlserialize", "xmltable",
];

/// Whether `word` is a keyword that must be quoted to be used as a name.
pub fn is_quoted_keyword(word: &str) -> bool {
    QUOTED_KEYWORDS.binary_search(&word).is_ok()
}

/// Quotes an identifier exactly when Postgres's `quote_ident` would: names
/// made of lower-case ASCII letters, digits and underscores, not starting
/// with a digit and not a (non-unreserved) keyword, stay bare; everything
/// else is double-quoted with `"` doubled.
pub fn quote_ident(name: &str) -> String {
    let mut chars = name.chars();
    let safe = match chars.next() {
        Some(c) if c.is_ascii_lowercase() || c == '_' => {
            chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        }
        _ => false,
    } && !is_quoted_keyword(name);
    if safe {
        name.to_owned()
    } else if name.chars().any(needs_escape) {
        // A control character in a name (ESC, a line break) would be obeyed
        // by the terminal the fix SQL is shown in, or break a comment:
        // Unicode escapes say the same name in visible characters.
        let mut out = String::from("U&\"");
        for c in name.chars() {
            match c {
                '"' => out.push_str("\"\""),
                '\\' => out.push_str("\\\\"),
                c if needs_escape(c) && (c as u32) <= 0xffff => out.push_str(&format!("\\{:04X}", c as u32)),
                c if needs_escape(c) => out.push_str(&format!("\\+{:06X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Characters a terminal or an editor would act on rather than show.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `schema.name`, each part quoted as needed.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// A string literal that means the same whatever `standard_conforming_strings`
/// says: always the `E'...'` form, with `'` and `\` doubled. NUL cannot be
/// sent to Postgres in text and is rejected.
pub fn quote_literal(value: &str) -> Result<String, AccessError> {
    if value.contains('\0') {
        return Err(AccessError::NulInScope(value.replace('\0', "\\0")));
    }
    Ok(format!("E'{}'", value.replace('\\', "\\\\").replace('\'', "''")))
}

/// A name for a SQL `--` comment: always double-quoted (so it reads the same
/// as in the statements) and with control characters (line breaks above all,
/// which would end the comment) written as `\u{..}` escapes.
pub fn comment_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        match c {
            '"' => out.push_str("\"\""),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `args` reads as what `pg_get_function_identity_arguments` writes:
/// a list of `[mode] [name] type` items separated by `, `, where a name or a
/// type part is a bare word or a `"quoted"` identifier, type parts may be
/// dotted (`schema.type`) or several words (`double precision`), and a type
/// may end in a `(n[,m])` modifier and `[]`s. Nothing else: no parenthesis,
/// quote or semicolon outside a quoted identifier, so text from the server
/// that passes cannot end the GRANT it is put in.
pub(crate) fn is_identity_argument_list(args: &str) -> bool {
    args.is_empty() || args.split(", ").all(is_argument) && !args.contains(",,")
}

fn is_argument(arg: &str) -> bool {
    let mut rest = arg;
    let mut words = 0;
    loop {
        // One dotted name: word or "quoted", joined by dots.
        loop {
            rest = match rest.strip_prefix('"') {
                Some(quoted) => match closing_quote(quoted) {
                    Some(end) => &quoted[end + 1..],
                    None => return false,
                },
                None => {
                    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(rest.len());
                    if end == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
                        return false;
                    }
                    &rest[end..]
                }
            };
            match rest.strip_prefix('.') {
                Some(r) => rest = r,
                None => break,
            }
        }
        words += 1;
        // A type modifier, then array brackets, end the argument.
        if let Some(r) = rest.strip_prefix('(') {
            let Some(close) = r.find(')') else { return false };
            let inner = &r[..close];
            if inner.is_empty() || !inner.split(',').all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) {
                return false;
            }
            rest = &r[close + 1..];
        }
        while let Some(r) = rest.strip_prefix("[]") {
            rest = r;
        }
        match rest.strip_prefix(' ') {
            Some(r) if !r.is_empty() && !r.starts_with(' ') => rest = r,
            _ => break,
        }
    }
    rest.is_empty() && words >= 1
}

/// The byte index of the `"` that closes a quoted identifier (`""` is an escaped quote).
fn closing_quote(after_open: &str) -> Option<usize> {
    let bytes = after_open.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            if bytes.get(i + 1) == Some(&b'"') {
                i += 2;
                continue;
            }
            return (i > 0).then_some(i);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_argument_lists() {
        for ok in [
            "",
            "integer",
            "a integer, b text",
            "IN x integer",
            "VARIADIC args text[]",
            "double precision, timestamp with time zone",
            "character varying, bit varying(8)",
            "\"my arg\" public.\"My Type\"[], \"char\"",
            "numeric(10,2)",
            "x \"we\"\"ird);drop\"",
            "ünïcode integer",
            "a anyelement, \"any\"",
        ] {
            assert!(is_identity_argument_list(ok), "{ok}");
        }
        for bad in [
            "integer) TO x; DROP TABLE t; --",
            "integer); --",
            "text, ",
            ", text",
            "a  b",
            "integer;",
            "'x'",
            "\"unterminated",
            "int(2",
            "int(a)",
            "x\ny",
            "a /* c */ b",
            "1abc",
            "\"\"",
        ] {
            assert!(!is_identity_argument_list(bad), "{bad}");
        }
    }

    #[test]
    fn keyword_list_is_sorted_and_lower_case() {
        assert!(QUOTED_KEYWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(QUOTED_KEYWORDS.iter().all(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }

    #[test]
    fn bare_when_safe() {
        for name in ["users", "public", "_x", "t1", "a_b_c9", "name", "text", "json_thing"] {
            assert_eq!(quote_ident(name), name);
        }
    }

    #[test]
    fn quoted_when_needed() {
        assert_eq!(quote_ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(quote_ident("has.dot"), "\"has.dot\"");
        assert_eq!(quote_ident("Ünïcode"), "\"Ünïcode\"");
        assert_eq!(quote_ident("ünïcode"), "\"ünïcode\"");
        assert_eq!(quote_ident("with space"), "\"with space\"");
        assert_eq!(quote_ident("User"), "\"User\"");
        assert_eq!(quote_ident("1abc"), "\"1abc\"");
        assert_eq!(quote_ident(""), "\"\"");
        assert_eq!(quote_ident("a$b"), "\"a$b\"");
        assert_eq!(quote_ident("a-b"), "\"a-b\"");
        assert_eq!(quote_ident("\"\""), "\"\"\"\"\"\"");
    }

    #[test]
    fn keywords_are_quoted() {
        // Reserved, column-name and type/function-name keywords.
        for kw in ["user", "select", "table", "order", "group", "all", "current_user", "integer", "between", "json", "system_user"] {
            assert_eq!(quote_ident(kw), format!("\"{kw}\""), "{kw}");
        }
        // Unreserved keywords stay bare, like quote_ident does.
        for kw in ["name", "schema", "role", "sequence", "function", "data", "abort"] {
            assert_eq!(quote_ident(kw), kw, "{kw}");
        }
    }

    #[test]
    fn literals() {
        assert_eq!(quote_literal("abc").unwrap(), "E'abc'");
        assert_eq!(quote_literal("it's").unwrap(), "E'it''s'");
        assert_eq!(quote_literal("a\\b").unwrap(), "E'a\\\\b'");
        assert_eq!(quote_literal("\\'").unwrap(), "E'\\\\'''");
        assert_eq!(quote_literal("Ünï\ncode").unwrap(), "E'Ünï\ncode'");
        assert!(matches!(quote_literal("a\0b"), Err(AccessError::NulInScope(_))));
    }

    #[test]
    fn comment_names_cannot_end_the_comment() {
        assert_eq!(comment_name("x"), "\"x\"");
        assert_eq!(comment_name("a\nb"), "\"a\\u{a}b\"");
        assert_eq!(comment_name("a\r\nDROP"), "\"a\\u{d}\\u{a}DROP\"");
        assert!(!comment_name("x\u{2028}y").contains('\u{2028}'));
        assert_eq!(comment_name("we\"ird"), "\"we\"\"ird\"");
    }
}
