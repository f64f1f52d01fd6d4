//! Table-driven checks of the connection-string parser: every libpq rule,
//! real provider URL shapes, hostile passwords, and exact error texts and
//! positions. Each success case lists every parameter the string sets.

use sluice_conninfo::{parse, Parsed};

type Params = &'static [(&'static str, &'static str)];

enum Expect {
    Ok { params: Params, unknown: Params, warnings: &'static [&'static str] },
    Err { message: &'static str, position: usize },
}

struct Case {
    input: &'static str,
    expect: Expect,
}

fn ok(input: &'static str, params: Params) -> Case {
    Case { input, expect: Expect::Ok { params, unknown: &[], warnings: &[] } }
}

fn warn(input: &'static str, params: Params, unknown: Params, warnings: &'static [&'static str]) -> Case {
    Case { input, expect: Expect::Ok { params, unknown, warnings } }
}

fn err(input: &'static str, message: &'static str, position: usize) -> Case {
    Case { input, expect: Expect::Err { message, position } }
}

const PRISMA_PGBOUNCER: &str = "unknown parameter \"pgbouncer\" ignored (libpq would reject it; Prisma adds it)";
const PRISMA_SCHEMA: &str = "unknown parameter \"schema\" ignored (libpq would reject it; Prisma adds it)";
const PRISMA_LIMIT: &str = "unknown parameter \"connection_limit\" ignored (libpq would reject it; Prisma adds it)";
const SSL_MODES: &str = "expected disable, allow, prefer, require, verify-ca or verify-full";

fn cases() -> Vec<Case> {
    vec![
        // --- URI basics (the examples of libpq's documentation) ---
        ok("postgresql://", &[]),
        ok("postgres://", &[]),
        ok("postgresql://localhost", &[("host", "localhost")]),
        ok("postgresql://localhost:5433", &[("host", "localhost"), ("port", "5433")]),
        ok("postgresql://localhost/mydb", &[("host", "localhost"), ("dbname", "mydb")]),
        ok("postgresql://user@localhost", &[("host", "localhost"), ("user", "user")]),
        ok("postgresql://user:secret@localhost", &[("host", "localhost"), ("user", "user"), ("password", "secret")]),
        ok(
            "postgresql://other@localhost/otherdb?connect_timeout=10&application_name=myapp",
            &[("host", "localhost"), ("dbname", "otherdb"), ("user", "other"), ("connect_timeout", "10"), ("application_name", "myapp")],
        ),
        ok(
            "postgresql://host1:123,host2:456/somedb?target_session_attrs=any&application_name=myapp",
            &[("host", "host1,host2"), ("port", "123,456"), ("dbname", "somedb"), ("target_session_attrs", "any"), ("application_name", "myapp")],
        ),
        ok("postgresql:///mydb?host=localhost&port=5433", &[("host", "localhost"), ("port", "5433"), ("dbname", "mydb")]),
        // --- IPv6 ---
        ok("postgresql://[2001:db8::1234]/database", &[("host", "2001:db8::1234"), ("dbname", "database")]),
        ok("postgresql://[::1]:5432/db", &[("host", "::1"), ("port", "5432"), ("dbname", "db")]),
        ok("postgresql://[fe80::1%25eth0]", &[("host", "fe80::1%eth0")]),
        ok("postgresql://h:5432,[::1]:5433/db", &[("host", "h,::1"), ("port", "5432,5433"), ("dbname", "db")]),
        // --- sockets and empty hosts ---
        ok("postgresql://%2Fvar%2Frun%2Fpostgresql/db", &[("host", "/var/run/postgresql"), ("dbname", "db")]),
        ok("postgresql:///db?host=/var/run/postgresql", &[("host", "/var/run/postgresql"), ("dbname", "db")]),
        ok("postgresql:///db", &[("dbname", "db")]),
        ok("postgresql://:5432/db", &[("port", "5432"), ("dbname", "db")]),
        ok("postgresql://h?host=", &[("host", "")]),
        // --- multiple hosts: ports always come back as a list ---
        ok("postgresql://h1,h2/db", &[("host", "h1,h2"), ("port", ","), ("dbname", "db")]),
        ok("postgresql://h1:5432,h2/db", &[("host", "h1,h2"), ("port", "5432,"), ("dbname", "db")]),
        ok("postgresql://:5432,:5433", &[("host", ","), ("port", "5432,5433")]),
        // --- userinfo ---
        ok("postgresql://@host", &[("host", "host")]),
        ok("postgresql://:pw@host", &[("host", "host"), ("password", "pw")]),
        ok("postgresql://user:@host", &[("host", "host"), ("user", "user")]),
        ok("postgresql://user:pa:ss@host", &[("host", "host"), ("user", "user"), ("password", "pa:ss")]),
        ok("postgresql://u%40x:p%3Aw@host", &[("host", "host"), ("user", "u@x"), ("password", "p:w")]),
        ok(
            "postgresql://u:p%40ss%3Aw%2Frd%3F%23%25%2B%20%C3%A9@h/db",
            &[("host", "h"), ("dbname", "db"), ("user", "u"), ("password", "p@ss:w/rd?#%+ é")],
        ),
        ok("postgresql://u:%27%22%5C%60%24%28%29%3B@h", &[("host", "h"), ("user", "u"), ("password", "'\"\\`$();")]),
        warn(
            "postgresql://user:p@ss@host",
            &[("host", "ss@host"), ("user", "user"), ("password", "p")],
            &[],
            &["a host contains \"@\": if it is part of the password, write it as %40"],
        ),
        // libpq's look-ahead for "@" does not stop at "?".
        ok("postgresql://h?user=a@b", &[("host", "b"), ("user", "h?user=a")]),
        ok("postgresql://h?user=a%40b", &[("host", "h"), ("user", "a@b")]),
        ok("postgresql://ü:ö@höst/dä", &[("host", "höst"), ("dbname", "dä"), ("user", "ü"), ("password", "ö")]),
        // --- path / dbname ---
        ok("postgresql://host/db%3Fx", &[("host", "host"), ("dbname", "db?x")]),
        ok("postgresql://host/my%20db", &[("host", "host"), ("dbname", "my db")]),
        ok("postgresql://host/db/extra", &[("host", "host"), ("dbname", "db/extra")]),
        ok("postgresql://host/?", &[("host", "host")]),
        ok("postgresql://host?", &[("host", "host")]),
        // --- query parameters ---
        ok(
            "postgresql://host/db?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem",
            &[("host", "host"), ("dbname", "db"), ("sslmode", "verify-full"), ("sslrootcert", "/etc/ssl/ca.pem")],
        ),
        ok("postgresql://host/db?host=other", &[("host", "other"), ("dbname", "db")]),
        ok("postgresql://h/db?dbname=other", &[("host", "h"), ("dbname", "other")]),
        ok("postgresql://h?sslmode=require&sslmode=disable", &[("host", "h"), ("sslmode", "disable")]),
        ok("postgresql://h?application_name=a%26b%3Dc", &[("host", "h"), ("application_name", "a&b=c")]),
        ok("postgresql://h?options=-c%20search_path%3Dfoo", &[("host", "h"), ("options", "-c search_path=foo")]),
        ok("postgresql://h?password=a+b", &[("host", "h"), ("password", "a+b")]),
        ok("postgresql://h?sslmo%64e=require", &[("host", "h"), ("sslmode", "require")]),
        ok("postgresql://h?keepalives=1&keepalives_idle=30", &[("host", "h"), ("keepalives", "1"), ("keepalives_idle", "30")]),
        ok(
            "postgresql://h?load_balance_hosts=random&target_session_attrs=read-write",
            &[("host", "h"), ("load_balance_hosts", "random"), ("target_session_attrs", "read-write")],
        ),
        ok(
            "postgresql://h/db?sslpassword=k%26y&sslcert=/c.crt&sslkey=/c.key",
            &[("host", "h"), ("dbname", "db"), ("sslpassword", "k&y"), ("sslcert", "/c.crt"), ("sslkey", "/c.key")],
        ),
        ok("postgresql://h/db?hostaddr=10.0.0.5&port=6432", &[("host", "h"), ("hostaddr", "10.0.0.5"), ("port", "6432"), ("dbname", "db")]),
        // JDBC compatibility and libpq's old requiressl.
        ok("postgresql://host?ssl=true", &[("host", "host"), ("sslmode", "require")]),
        warn(
            "postgresql://host?ssl=false",
            &[("host", "host")],
            &[("ssl", "false")],
            &["unknown parameter \"ssl\" ignored (libpq would reject it; JDBC uses it; libpq understands only ssl=true)"],
        ),
        ok("postgresql://h?requiressl=1", &[("host", "h"), ("sslmode", "require")]),
        ok("postgresql://h?requiressl=0", &[("host", "h"), ("sslmode", "prefer")]),
        // Pasted with a newline.
        ok("  postgresql://h/db \n", &[("host", "h"), ("dbname", "db")]),
        // --- provider URLs ---
        ok(
            "postgresql://alex:AbC123dEf@ep-cool-darkness-123456.us-east-2.aws.neon.tech/dbname?sslmode=require&channel_binding=require",
            &[
                ("host", "ep-cool-darkness-123456.us-east-2.aws.neon.tech"),
                ("dbname", "dbname"),
                ("user", "alex"),
                ("password", "AbC123dEf"),
                ("sslmode", "require"),
                ("channel_binding", "require"),
            ],
        ),
        ok(
            "postgresql://postgres.abcdefghijklmnop:S3cr%23t%21@aws-0-us-east-1.pooler.supabase.com:6543/postgres",
            &[
                ("host", "aws-0-us-east-1.pooler.supabase.com"),
                ("port", "6543"),
                ("dbname", "postgres"),
                ("user", "postgres.abcdefghijklmnop"),
                ("password", "S3cr#t!"),
            ],
        ),
        ok(
            "postgresql://admin:pw@mydb.123456789012.us-east-1.rds.amazonaws.com:5432/postgres?sslmode=verify-full&sslrootcert=/opt/rds/global-bundle.pem",
            &[
                ("host", "mydb.123456789012.us-east-1.rds.amazonaws.com"),
                ("port", "5432"),
                ("dbname", "postgres"),
                ("user", "admin"),
                ("password", "pw"),
                ("sslmode", "verify-full"),
                ("sslrootcert", "/opt/rds/global-bundle.pem"),
            ],
        ),
        ok(
            "postgres://uabc123:p9f8e7d6@ec2-54-1-2-3.compute-1.amazonaws.com:5432/d8abcdef",
            &[
                ("host", "ec2-54-1-2-3.compute-1.amazonaws.com"),
                ("port", "5432"),
                ("dbname", "d8abcdef"),
                ("user", "uabc123"),
                ("password", "p9f8e7d6"),
            ],
        ),
        warn(
            "postgresql://johndoe:mypassword@localhost:5432/mydb?schema=public&pgbouncer=true&connection_limit=1",
            &[("host", "localhost"), ("port", "5432"), ("dbname", "mydb"), ("user", "johndoe"), ("password", "mypassword")],
            &[("schema", "public"), ("pgbouncer", "true"), ("connection_limit", "1")],
            &[PRISMA_SCHEMA, PRISMA_PGBOUNCER, PRISMA_LIMIT],
        ),
        ok("postgresql://%2Ftmp/app?user=app", &[("host", "/tmp"), ("dbname", "app"), ("user", "app")]),
        // --- key=value ---
        ok(
            "host=localhost port=5432 dbname=mydb connect_timeout=10",
            &[("host", "localhost"), ("port", "5432"), ("dbname", "mydb"), ("connect_timeout", "10")],
        ),
        ok("host = localhost   port= 5432", &[("host", "localhost"), ("port", "5432")]),
        ok(r"password='it\'s'", &[("password", "it's")]),
        ok(r"password='back\\slash'", &[("password", r"back\slash")]),
        ok(r"password=unq\ uoted", &[("password", "unq uoted")]),
        ok("password='p@ss:w/rd?#%+ é'", &[("password", "p@ss:w/rd?#%+ é")]),
        ok("dbname=''", &[("dbname", "")]),
        ok("host=", &[("host", "")]),
        ok("host= port=5", &[("host", "port=5")]),
        ok(
            "application_name='my app' options='-c geqo=off'",
            &[("application_name", "my app"), ("options", "-c geqo=off")],
        ),
        ok("sslmode=verify-full sslrootcert=system", &[("sslmode", "verify-full"), ("sslrootcert", "system")]),
        ok("host=/var/run/postgresql dbname=db", &[("host", "/var/run/postgresql"), ("dbname", "db")]),
        ok("host=h1,h2 port=5432,5433 target_session_attrs=primary", &[("host", "h1,h2"), ("port", "5432,5433"), ("target_session_attrs", "primary")]),
        ok("requiressl=0", &[("sslmode", "prefer")]),
        ok("requiressl=1", &[("sslmode", "require")]),
        ok("", &[]),
        ok(" \t\n ", &[]),
        ok("host=a host=b", &[("host", "b")]),
        ok("  host=h  ", &[("host", "h")]),
        ok("user=a\tpassword=b\n", &[("user", "a"), ("password", "b")]),
        ok("options='x://y' host=h", &[("host", "h"), ("options", "x://y")]),
        ok("user='a'dbname=b", &[("dbname", "b"), ("user", "a")]),
        ok("user=%41", &[("user", "%41")]),
        warn(
            "pgbouncer=true host=h",
            &[("host", "h")],
            &[("pgbouncer", "true")],
            &[PRISMA_PGBOUNCER],
        ),
        warn(
            "connection_limit=1 schema=public foo=bar",
            &[],
            &[("connection_limit", "1"), ("schema", "public"), ("foo", "bar")],
            &[PRISMA_LIMIT, PRISMA_SCHEMA, "unknown parameter \"foo\" ignored (libpq would reject it)"],
        ),
        // --- errors: scheme ---
        err("mysql://h/db", "invalid connection string: expected scheme \"postgresql://\" or \"postgres://\", found \"mysql://\"", 0),
        err(
            "jdbc:postgresql://h:5432/db",
            "invalid connection string: expected scheme \"postgresql://\" or \"postgres://\", found \"jdbc:postgresql://\"",
            0,
        ),
        err(
            " POSTGRESQL://h",
            "invalid connection string: expected scheme \"postgresql://\" or \"postgres://\", found \"POSTGRESQL://\"",
            1,
        ),
        // --- errors: IPv6 ---
        err(
            "postgresql://[::1",
            "end of string reached when looking for matching \"]\" in IPv6 host address in URI (\"[\" at position 13)",
            13,
        ),
        err("postgresql://[]/db", "IPv6 host address may not be empty in URI (at position 13)", 13),
        err("postgresql://[::1]z/db", "unexpected character \"z\" at position 18 in URI (expecting \":\" or \"/\")", 18),
        err("postgres://[::1]x", "unexpected character \"x\" at position 16 in URI (expecting \":\" or \"/\")", 16),
        // --- errors: percent-encoding, everywhere ---
        err("postgresql://h/db%zz", "invalid percent-encoded token: \"%zz\" (at position 17)", 17),
        err("postgresql://h/db%0", "invalid percent-encoded token: \"%0\" (at position 17)", 17),
        err("postgresql://h/db%00", "forbidden value %00 in percent-encoded value (at position 17)", 17),
        err("postgresql://h/db%FF", "percent-encoded value is not valid UTF-8 (at position 17)", 17),
        err("postgresql://h/%E2%82", "percent-encoded value is not valid UTF-8 (at position 15)", 15),
        err("postgresql://u%zz@h", "invalid percent-encoded token: \"%zz\" (at position 14)", 14),
        // In a password the token is not quoted back.
        err("postgresql://u:p%@h", "invalid percent-encoded token: \"%\u{2026}\" (at position 16)", 16),
        err("postgresql://h%2/db", "invalid percent-encoded token: \"%2\" (at position 14)", 14),
        err("postgresql://h:54%3x/db", "invalid percent-encoded token: \"%3x\" (at position 17)", 17),
        err("postgresql://h?applic%ation_name=x", "invalid percent-encoded token: \"%at\" (at position 21)", 21),
        err("postgresql://h?user=%00", "forbidden value %00 in percent-encoded value (at position 20)", 20),
        // --- errors: query syntax ---
        err("postgresql://h?a=b=c", "extra key/value separator \"=\" in URI query parameter: \"a=b=c\" (at position 18)", 18),
        err("postgresql://h?abc", "missing key/value separator \"=\" in URI query parameter: \"abc\" (at position 15)", 15),
        err("postgresql://h?&a=1", "missing key/value separator \"=\" in URI query parameter: \"\" (at position 15)", 15),
        err("postgresql://h?a=1&b", "missing key/value separator \"=\" in URI query parameter: \"b\" (at position 19)", 19),
        // --- errors: sslmode ---
        err("postgresql://h?sslmode=bogus", "invalid sslmode value: \"bogus\" (at position 23; expected disable, allow, prefer, require, verify-ca or verify-full)", 23),
        err("sslmode=nope", "invalid sslmode value: \"nope\" (at position 8; expected disable, allow, prefer, require, verify-ca or verify-full)", 8),
        err("sslmode=", "invalid sslmode value: \"\" (at position 8; expected disable, allow, prefer, require, verify-ca or verify-full)", 8),
        // --- errors: key=value ---
        err("abc", "missing \"=\" after \"abc\" in connection info string (at position 0)", 0),
        err("host=x abc def=1", "missing \"=\" after \"abc\" in connection info string (at position 7)", 7),
        err("host = x  port", "missing \"=\" after \"port\" in connection info string (at position 10)", 10),
        err("user='a'b c", "missing \"=\" after \"b\" in connection info string (at position 8)", 8),
        err("postgresql:/h", "missing \"=\" after \"postgresql:/h\" in connection info string (at position 0)", 0),
        err("password='oops", "unterminated quoted string in connection info string (opened at position 9)", 9),
        err("user=é password='x", "unterminated quoted string in connection info string (opened at position 16)", 16),
        err("host=h\0", "NUL character at position 6 is not allowed in a connection string", 6),
    ]
}

fn sorted(p: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut v: Vec<_> = p.into_iter().collect();
    v.sort();
    v
}

fn owned(p: Params) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn check(case: &Case) -> Result<(), String> {
    let result = parse(case.input);
    match (&case.expect, result) {
        (
            Expect::Ok { params, unknown, warnings },
            Ok(Parsed { info, unknown: got_unknown, warnings: got_warnings, .. }),
        ) => {
            let got = sorted(info.to_params());
            if got != sorted(owned(params)) {
                return Err(format!("params: got {got:?}, want {params:?}"));
            }
            if got_unknown != owned(unknown) {
                return Err(format!("unknown: got {got_unknown:?}, want {unknown:?}"));
            }
            if got_warnings != *warnings {
                return Err(format!("warnings: got {got_warnings:?}, want {warnings:?}"));
            }
            Ok(())
        }
        (Expect::Err { message, position }, Err(e)) => {
            if e.to_string() != *message || e.position() != Some(*position) {
                return Err(format!(
                    "error: got {:?} at {:?}, want {message:?} at {position}",
                    e.to_string(),
                    e.position()
                ));
            }
            Ok(())
        }
        (Expect::Ok { .. }, Err(e)) => Err(format!("unexpected error: {e}")),
        (Expect::Err { .. }, Ok(p)) => Err(format!("unexpectedly parsed: {:?}", p.info.to_params())),
    }
}

#[test]
fn table() {
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let failures: Vec<String> =
        cases.iter().filter_map(|c| check(c).err().map(|e| format!("{:?}: {e}", c.input))).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn every_success_case_survives_format_and_reparse() {
    for case in cases() {
        let Ok(first) = parse(case.input) else { continue };
        let uri = first.info.to_uri();
        let again = parse(&uri).unwrap_or_else(|e| panic!("{:?} -> {uri:?}: {e}", case.input));
        assert_eq!(again.info, first.info, "{:?} -> {uri:?}", case.input);
        assert!(again.warnings.is_empty() || uri.contains("%40"), "{uri:?}: {:?}", again.warnings);
    }
}

#[test]
fn sslmode_message_lists_the_modes() {
    let e = parse("sslmode=x").unwrap_err().to_string();
    assert!(e.contains(SSL_MODES));
}
