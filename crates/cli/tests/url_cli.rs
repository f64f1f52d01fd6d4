//! `sluice url` end to end: runs the built binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn sluice(args: &[&str]) -> Output {
    sluice_stdin(args, None)
}

fn sluice_stdin(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sluice");
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait for sluice")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

#[test]
fn parse_prints_params_and_warnings() {
    let o = sluice(&["url", "parse", "postgresql://alex:p%40ss@db.example.com:6543/app?sslmode=require"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        json(&o),
        serde_json::json!({
            "params": {
                "host": "db.example.com",
                "port": "6543",
                "dbname": "app",
                "user": "alex",
                "password": "p@ss",
                "sslmode": "require"
            },
            "warnings": []
        })
    );
    // One JSON object on one line, keys in libpq's natural order.
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1);
    assert!(out.starts_with("{\"params\":{\"host\":"), "{out}");
}

#[test]
fn parse_keyvalue_form() {
    let o = sluice(&["url", "parse", "host=/var/run/postgresql dbname=db password='it\\'s'"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        json(&o)["params"],
        serde_json::json!({"host": "/var/run/postgresql", "dbname": "db", "password": "it's"})
    );
}

#[test]
fn parse_warns_about_unknown_params_and_leaves_them_out() {
    let o = sluice(&["url", "parse", "postgresql://u@h/db?schema=public&pgbouncer=true&connection_limit=1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["params"], serde_json::json!({"host": "h", "dbname": "db", "user": "u"}));
    assert_eq!(
        v["warnings"],
        serde_json::json!([
            "unknown parameter \"schema\" ignored (libpq would reject it; Prisma adds it)",
            "unknown parameter \"pgbouncer\" ignored (libpq would reject it; Prisma adds it)",
            "unknown parameter \"connection_limit\" ignored (libpq would reject it; Prisma adds it)"
        ])
    );
}

#[test]
fn parse_error_exits_2_with_message_on_stderr() {
    let o = sluice(&["url", "parse", "postgresql://h?a=b=c"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "error: extra key/value separator \"=\" in URI query parameter: \"a=b=c\" (at position 18)\n"
    );

    let o = sluice(&["url", "parse", "mysql://h/db"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("error: invalid connection string: expected scheme"), "{}", stderr(&o));

    let o = sluice(&["url", "parse", "abc"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing \"=\" after \"abc\""), "{}", stderr(&o));
}

#[test]
fn format_from_flags() {
    let o = sluice(&[
        "url",
        "format",
        "--host",
        "db.example.com",
        "--port",
        "5432",
        "--dbname",
        "app",
        "--user",
        "alex",
        "--password",
        "p@ss:w/rd?#%+ é",
        "--sslmode",
        "verify-full",
        "--sslrootcert",
        "/etc/ca.pem",
        "--application-name",
        "sluice",
        "--connect-timeout",
        "10",
        "--options",
        "-c search_path=app",
        "--param",
        "keepalives=1",
        "--param",
        "target_session_attrs=read-write",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "postgresql://alex:p%40ss%3Aw%2Frd%3F%23%25%2B%20%C3%A9@db.example.com:5432/app\
         ?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=sluice&connect_timeout=10\
         &options=-c%20search_path%3Dapp&target_session_attrs=read-write&keepalives=1\n"
    );
}

#[test]
fn format_from_json_on_stdin_both_shapes() {
    for input in [
        r#"{"params": {"host": "/var/run/postgresql", "dbname": "db", "port": 5433}}"#,
        r#"{"host": "/var/run/postgresql", "dbname": "db", "port": "5433"}"#,
    ] {
        let o = sluice_stdin(&["url", "format", "--json", "-"], Some(input));
        assert_eq!(o.status.code(), Some(0), "{input}: {}", stderr(&o));
        assert_eq!(stdout(&o), "postgresql:///db?host=/var/run/postgresql&port=5433\n");
    }
}

#[test]
fn format_from_json_file_with_flag_override_and_without_password() {
    let path = std::env::temp_dir().join(format!("sluice-url-cli-{}.json", std::process::id()));
    std::fs::write(&path, r#"{"params": {"host": "a", "user": "u", "password": "secret"}}"#).unwrap();
    let o = sluice(&["url", "format", "--json", path.to_str().unwrap(), "--host", "b", "--without-password"]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "postgresql://u@b\n");
}

#[test]
fn format_rejects_bad_input_with_exit_2() {
    let cases: &[(&[&str], Option<&str>, &str)] = &[
        (&["url", "format", "--sslmode", "strict"], None, "error: invalid sslmode value: \"strict\""),
        (&["url", "format", "--param", "pgbouncer=true"], None, "error: unknown connection parameter \"pgbouncer\""),
        (
            &["url", "format", "--json", "-"],
            Some(r#"{"params": {"foo": "x"}}"#),
            "error: unknown connection parameter \"foo\"",
        ),
        (&["url", "format", "--json", "-"], Some("not json"), "error: invalid JSON"),
        (&["url", "format", "--json", "-"], Some(r#"{"host": true}"#), "error: value of \"host\" must be a string"),
        (&["url", "format", "--json", "-"], Some("[1]"), "error: expected a JSON object"),
        (&["url", "format", "--json", "/nonexistent/params.json"], None, "error: cannot read /nonexistent/params.json"),
    ];
    for (args, stdin, want) in cases {
        let o = sluice_stdin(args, *stdin);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).starts_with(want), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{args:?}");
    }
    // A malformed --param is a usage error; clap also exits 2.
    let o = sluice(&["url", "format", "--param", "novalue"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn normalize_parses_then_formats() {
    let o =
        sluice(&["url", "normalize", "host=h1,h2 port=5432,5433 dbname='my db' user=u password='p w' sslmode=require"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "postgresql://u:p%20w@h1:5432,h2:5433/my%20db?sslmode=require\n");

    let o = sluice(&["url", "normalize", "postgres://u:pw@h/db?ssl=true&pgbouncer=true"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "postgresql://u:pw@h/db?sslmode=require\n");
    assert_eq!(
        stderr(&o),
        "warning: unknown parameter \"pgbouncer\" ignored (libpq would reject it; Prisma adds it)\n"
    );

    let o = sluice(&["url", "normalize", "--without-password", "postgresql://u:pw@h/db"]);
    assert_eq!(stdout(&o), "postgresql://u@h/db\n");

    let o = sluice(&["url", "normalize", "postgresql://h/db%zz"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: invalid percent-encoded token: \"%zz\" (at position 17)\n");
}

#[test]
fn version_names_the_package_version_and_the_commit_it_was_built_from() {
    let out = sluice(&["--version"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let expected_commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let commit = expected_commit.unwrap_or_else(|| "unknown".into());
    assert_eq!(text.trim(), format!("sluice {} ({commit})", env!("CARGO_PKG_VERSION")), "{text}");
}
