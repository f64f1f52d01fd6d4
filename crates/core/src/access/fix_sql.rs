//! The GRANT statements that make the role ready: exactly the privileges the
//! verdict's errors name, grouped per schema.
//!
//! `ON ALL TABLES IN SCHEMA` (and `ON ALL SEQUENCES IN SCHEMA`) is used only
//! when it grants exactly what is missing: the whole schema was analysed and
//! every relation (sequence) in it lacks that privilege and needs it. Any
//! relation it would touch beyond that (a view a destination does not write,
//! a partition reached through its parent, a table out of scope) makes us
//! list the objects instead.

use super::model::{Access, Privilege};
use super::quote::{comment_name, is_identity_argument_list, qualified, quote_ident};
use super::verdict::{ObjectType, Severity, Verdict};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Objects per GRANT statement when they are listed.
const PER_STATEMENT: usize = 100;

#[derive(Default)]
struct SchemaGroup<'a> {
    schema_privileges: BTreeSet<Privilege>,
    /// relation name -> privileges it needs.
    relations: BTreeMap<&'a str, BTreeSet<Privilege>>,
    /// sequence name -> privileges.
    sequences: BTreeMap<&'a str, BTreeSet<Privilege>>,
    /// (keyword FUNCTION/PROCEDURE, name, identity args).
    routines: BTreeSet<(&'static str, &'a str, &'a str)>,
}

/// The fix SQL for `verdict` (which was computed from `access`).
pub fn fix_sql(access: &Access, verdict: &Verdict) -> String {
    let role = quote_ident(&access.role);
    let job = verdict.job.as_str();
    let mut groups: BTreeMap<&str, SchemaGroup> = BTreeMap::new();
    let mut notes: Vec<String> = Vec::new();

    for p in verdict.problems.iter().filter(|p| p.severity == Severity::Error && p.statement.is_none()) {
        let Some(schema) = p.schema.as_deref() else {
            notes.push(p.reason.clone());
            continue;
        };
        if p.missing.is_empty() {
            let what = match &p.name {
                Some(n) => format!("{}.{}", comment_name(schema), comment_name(n)),
                None => comment_name(schema),
            };
            notes.push(format!("{what}: {}", p.reason));
            continue;
        }
        let group = groups.entry(schema).or_default();
        let name = p.name.as_deref();
        match (p.object_type, name) {
            (ObjectType::Schema, _) => group.schema_privileges.extend(p.missing.iter().copied()),
            (t, Some(n)) if t.is_relation() => group.relations.entry(n).or_default().extend(p.missing.iter().copied()),
            (ObjectType::Sequence, Some(n)) => group.sequences.entry(n).or_default().extend(p.missing.iter().copied()),
            (ObjectType::Function, Some(n)) => {
                group.routines.insert(("FUNCTION", n, p.identity_args.as_deref().unwrap_or("")));
            }
            (ObjectType::Procedure, Some(n)) => {
                group.routines.insert(("PROCEDURE", n, p.identity_args.as_deref().unwrap_or("")));
            }
            _ => notes.push(p.reason.clone()),
        }
    }
    if verdict.job == crate::job::Job::Destination
        && verdict.problems.iter().any(|p| p.object_type == ObjectType::Server && p.severity == Severity::Warning)
    {
        notes.push(format!(
            "default_transaction_read_only is on: if it is meant to be off for this role here, run \
             ALTER ROLE {} IN DATABASE {} SET default_transaction_read_only = off; (not done for you: \
             such a setting is usually a deliberate write fence)",
            role,
            quote_ident(&access.database)
        ));
    }

    let statements = statement_section(verdict);
    let mut out = String::new();
    if groups.is_empty() {
        if verdict.ready {
            out.push_str(&format!(
                "-- Sluice: role {} is ready as a {job}; nothing to grant.\n",
                comment_name(&access.role)
            ));
        } else if !statements.is_empty() {
            out.push_str(&format!(
                "-- Sluice: what makes role {} ready as a {job} in database {}.\n",
                comment_name(&access.role),
                comment_name(&access.database)
            ));
        } else {
            out.push_str(&format!(
                "-- Sluice: role {} is not ready as a {job}, and no GRANT fixes that:\n",
                comment_name(&access.role)
            ));
        }
        for note in &notes {
            out.push_str(&comment_lines(note));
        }
        out.push_str(&statements);
        return out;
    }

    out.push_str(&format!(
        "-- Sluice: GRANTs that make role {} ready as a {job} in database {}.\n\
         -- Run as a superuser or as the owner of these objects (or as a role that holds\n\
         -- these privileges WITH GRANT OPTION).\n",
        comment_name(&access.role),
        comment_name(&access.database)
    ));
    for note in &notes {
        out.push_str("-- Not fixed by a GRANT:\n");
        out.push_str(&comment_lines(note));
    }

    // Objects per schema, for the ON ALL rule.
    let mut relations_in: HashMap<&str, usize> = HashMap::new();
    for r in &access.relations {
        *relations_in.entry(r.schema.as_str()).or_default() += 1;
    }
    let mut sequences_in: HashMap<&str, usize> = HashMap::new();
    for q in &access.sequences {
        *sequences_in.entry(q.schema.as_str()).or_default() += 1;
    }
    let complete: HashSet<&str> = access.schemas.iter().filter(|s| s.complete).map(|s| s.name.as_str()).collect();

    for (schema, group) in &groups {
        out.push_str(&format!("\n-- schema {}\n", comment_name(schema)));
        let s = quote_ident(schema);
        if !group.schema_privileges.is_empty() {
            out.push_str(&format!("GRANT {} ON SCHEMA {s} TO {role};\n", join(&group.schema_privileges)));
        }
        let complete = complete.contains(schema);

        // Relations.
        let all_relations = relations_in.get(schema).copied().unwrap_or(0);
        let tables_on_all = on_all(&group.relations, complete, all_relations);
        if !tables_on_all.is_empty() {
            out.push_str(&format!("GRANT {} ON ALL TABLES IN SCHEMA {s} TO {role};\n", join(&tables_on_all)));
        }
        listed(&mut out, "TABLE", schema, &group.relations, &tables_on_all, &role);

        // Sequences.
        let all_sequences = sequences_in.get(schema).copied().unwrap_or(0);
        let sequences_on_all = on_all(&group.sequences, complete, all_sequences);
        if !sequences_on_all.is_empty() {
            out.push_str(&format!("GRANT {} ON ALL SEQUENCES IN SCHEMA {s} TO {role};\n", join(&sequences_on_all)));
        }
        listed(&mut out, "SEQUENCE", schema, &group.sequences, &sequences_on_all, &role);

        // Functions and procedures, one statement each (identity arguments
        // differ). The argument list is the server's text: it goes into the
        // statement only when it is a plain type list, else into a comment.
        for (keyword, name, args) in &group.routines {
            if is_identity_argument_list(args) {
                out.push_str(&format!("GRANT EXECUTE ON {keyword} {}({args}) TO {role};\n", qualified(schema, name)));
            } else {
                out.push_str(&comment_lines(&format!(
                    "Not written as a statement: the server described the arguments of {}.{} as {}, which is not a plain type list. Grant EXECUTE on it by hand after checking its signature.",
                    comment_name(schema),
                    comment_name(name),
                    comment_name(args)
                )));
            }
        }
    }
    out.push_str(&statements);
    out
}

/// The statements that are not GRANTs (a role attribute, a publication, a
/// replica identity), each under its reason, once each.
fn statement_section(verdict: &Verdict) -> String {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut out = String::new();
    for p in verdict.problems.iter().filter(|p| p.severity == Severity::Error) {
        let Some(statement) = p.statement.as_deref().filter(|s| seen.insert(s)) else { continue };
        if out.is_empty() {
            out.push_str("\n-- Not GRANTs: run as a superuser (ALTER PUBLICATION as the publication's owner,\n-- ALTER TABLE as the table's owner).\n");
        }
        out.push_str(&comment_lines(&p.reason));
        out.push_str(statement);
        out.push('\n');
    }
    out
}

/// The privileges that every object of the schema needs (so `ON ALL ... IN
/// SCHEMA` grants exactly them): the schema was analysed whole and the
/// objects needing the privilege are all of its objects of that class.
fn on_all(needs: &BTreeMap<&str, BTreeSet<Privilege>>, complete: bool, objects_in_schema: usize) -> BTreeSet<Privilege> {
    if !complete || objects_in_schema == 0 || needs.len() != objects_in_schema {
        return BTreeSet::new();
    }
    let mut common: Option<BTreeSet<Privilege>> = None;
    for set in needs.values() {
        common = Some(match common {
            None => set.clone(),
            Some(c) => c.intersection(set).copied().collect(),
        });
    }
    common.unwrap_or_default()
}

/// `GRANT ... ON <keyword> a, b TO role;` for what `ON ALL` did not cover,
/// objects grouped by identical privilege sets.
fn listed(
    out: &mut String,
    keyword: &str,
    schema: &str,
    needs: &BTreeMap<&str, BTreeSet<Privilege>>,
    covered: &BTreeSet<Privilege>,
    role: &str,
) {
    let mut by_set: BTreeMap<BTreeSet<Privilege>, Vec<&str>> = BTreeMap::new();
    for (name, set) in needs {
        let rest: BTreeSet<Privilege> = set.difference(covered).copied().collect();
        if !rest.is_empty() {
            by_set.entry(rest).or_default().push(name);
        }
    }
    for (set, names) in &by_set {
        for chunk in names.chunks(PER_STATEMENT) {
            let objects: Vec<String> = chunk.iter().map(|n| qualified(schema, n)).collect();
            out.push_str(&format!("GRANT {} ON {keyword} {} TO {role};\n", join(set), objects.join(", ")));
        }
    }
}

fn join(set: &BTreeSet<Privilege>) -> String {
    set.iter().map(|p| p.as_sql()).collect::<Vec<_>>().join(", ")
}

/// Text as `--` comment lines; line breaks inside it cannot escape the comment.
fn comment_lines(text: &str) -> String {
    text.lines()
        .map(|l| format!("-- {}\n", l.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>()))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::access::model::build::*;
    use crate::access::model::{FunctionAccess, FunctionKind, Privilege::*, RelationKind};
    use crate::access::verdict::{
        verdict, ObjectType, Problem, SessionFacts, Severity, Verdict,
    };
    use crate::job::{JobOptions, Job};
    use crate::access::{fix_sql, Access};

    fn source(a: &Access) -> Verdict {
        verdict(a, &SessionFacts::default(), Job::Source, &JobOptions::default())
    }

    fn destination(a: &Access) -> Verdict {
        verdict(a, &SessionFacts::default(), Job::Destination, &JobOptions::default())
    }

    fn statements(sql: &str) -> Vec<&str> {
        sql.lines().filter(|l| !l.starts_with("--") && !l.is_empty()).collect()
    }

    #[test]
    fn on_all_tables_when_every_relation_needs_the_same_grant() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false)];
        a.relations = vec![table("app", "a", &[]), table("app", "b", &[]), relation("app", "v", RelationKind::View, &[])];
        let v = source(&a);
        assert_eq!(statements(&v.fix_sql), ["GRANT SELECT ON ALL TABLES IN SCHEMA app TO r;"]);
    }

    #[test]
    fn listed_when_one_relation_already_has_it() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false)];
        a.relations = vec![table("app", "a", &[]), table("app", "b", &[]), table("app", "c", &[Select])];
        let v = source(&a);
        assert_eq!(statements(&v.fix_sql), ["GRANT SELECT ON TABLE app.a, app.b TO r;"]);
    }

    #[test]
    fn listed_when_the_schema_was_not_analysed_whole() {
        let mut a = access("r");
        let mut s = schema("app", true, false);
        s.complete = false;
        a.schemas = vec![s];
        a.relations = vec![table("app", "a", &[])];
        let v = source(&a);
        assert_eq!(statements(&v.fix_sql), ["GRANT SELECT ON TABLE app.a TO r;"]);
    }

    #[test]
    fn listed_when_on_all_would_reach_views_a_destination_does_not_write() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false)];
        a.relations = vec![table("app", "a", &[]), table("app", "b", &[]), relation("app", "v", RelationKind::View, &[])];
        let v = destination(&a);
        assert_eq!(statements(&v.fix_sql), ["GRANT INSERT ON TABLE app.a, app.b TO r;"]);
    }

    #[test]
    fn on_all_for_the_common_part_and_lists_for_the_rest() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false)];
        a.relations = vec![table("app", "a", &[]), table("app", "b", &[Insert]), table("app", "c", &[Update])];
        let v = verdict(&a, &SessionFacts::default(), Job::Destination, &JobOptions { truncate: true, init_tables: false, ..JobOptions::default() });
        assert_eq!(statements(&v.fix_sql), ["GRANT TRUNCATE ON ALL TABLES IN SCHEMA app TO r;", "GRANT INSERT ON TABLE app.a, app.c TO r;"]);
        // An upsert: UPDATE too, and SELECT on the keys (every table here, so
        // on ALL); each table its own list for the rest.
        let upsert = JobOptions { truncate: true, on_conflict: crate::job::OnConflict::Update, ..JobOptions::default() };
        let v = verdict(&a, &SessionFacts::default(), Job::Destination, &upsert);
        assert_eq!(
            statements(&v.fix_sql),
            [
                "GRANT SELECT, TRUNCATE ON ALL TABLES IN SCHEMA app TO r;",
                "GRANT INSERT ON TABLE app.c TO r;",
                "GRANT INSERT, UPDATE ON TABLE app.a TO r;",
                "GRANT UPDATE ON TABLE app.b TO r;",
            ]
        );
    }

    #[test]
    fn sequences_on_all_only_when_exact() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false)];
        a.relations = vec![table("app", "t", &[Insert, Update])];
        a.sequences = vec![sequence("app", "t_id_seq", &[])];
        // A sequence problem (the destination rules raise none today: the
        // job writes every column, so no default runs; the grouping stays exact).
        let mut v = destination(&a);
        v.problems.push(Problem {
            severity: Severity::Error,
            object_type: ObjectType::Sequence,
            schema: Some("app".into()),
            name: Some("t_id_seq".into()),
            identity_args: None,
            missing: vec![Usage],
            reason: "nextval()".into(),
            statement: None,
        });
        v.ready = false;
        assert_eq!(statements(&fix_sql(&a, &v)), ["GRANT USAGE ON ALL SEQUENCES IN SCHEMA app TO r;"]);
        // An identity sequence in the same schema needs nothing: list instead.
        a.sequences.push(sequence("app", "ident_seq", &[]));
        assert_eq!(statements(&fix_sql(&a, &v)), ["GRANT USAGE ON SEQUENCE app.t_id_seq TO r;"]);
    }

    #[test]
    fn grouped_per_schema_with_quoted_names_and_role() {
        let mut a = access("Mixed Role");
        a.schemas = vec![schema("We\"ird.Schema ü", false, false), schema("app", true, false), schema("b", true, false)];
        a.relations = vec![
            table("We\"ird.Schema ü", "User", &[]),
            table("We\"ird.Schema ü", "has.dot", &[Select]),
            table("app", "select", &[]),
            table("app", "ok", &[Select]),
            table("b", "Ünïcode", &[]),
            table("b", "with space", &[]),
            table("b", "we\"ird", &[Select]),
        ];
        let v = source(&a);
        assert_eq!(
            v.fix_sql,
            "-- Sluice: GRANTs that make role \"Mixed Role\" ready as a source in database \"db\".\n\
             -- Run as a superuser or as the owner of these objects (or as a role that holds\n\
             -- these privileges WITH GRANT OPTION).\n\
             \n\
             -- schema \"We\"\"ird.Schema ü\"\n\
             GRANT USAGE ON SCHEMA \"We\"\"ird.Schema ü\" TO \"Mixed Role\";\n\
             GRANT SELECT ON TABLE \"We\"\"ird.Schema ü\".\"User\" TO \"Mixed Role\";\n\
             \n\
             -- schema \"app\"\n\
             GRANT SELECT ON TABLE app.\"select\" TO \"Mixed Role\";\n\
             \n\
             -- schema \"b\"\n\
             GRANT SELECT ON TABLE b.\"with space\", b.\"Ünïcode\" TO \"Mixed Role\";\n"
        );
    }

    #[test]
    fn functions_and_procedures_get_execute() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false)];
        a.functions = vec![FunctionAccess {
            schema: "app".into(),
            name: "p".into(),
            identity_args: "IN x integer".into(),
            kind: FunctionKind::Procedure,
            execute: false,
        }];
        let v = Verdict {
            role: "r".into(),
            job: Job::Destination,
            ready: false,
            problems: vec![
                Problem {
                    severity: Severity::Error,
                    object_type: ObjectType::Procedure,
                    schema: Some("app".into()),
                    name: Some("p".into()),
                    identity_args: Some("IN x integer".into()),
                    missing: vec![Execute],
                    reason: "test".into(),
                    statement: None,
                },
                Problem {
                    severity: Severity::Error,
                    object_type: ObjectType::Function,
                    schema: Some("app".into()),
                    name: Some("F".into()),
                    identity_args: Some("a integer, b text".into()),
                    missing: vec![Execute],
                    reason: "test".into(),
                    statement: None,
                },
            ],
            fix_sql: String::new(),
        };
        assert_eq!(
            statements(&fix_sql(&a, &v)),
            [
                "GRANT EXECUTE ON FUNCTION app.\"F\"(a integer, b text) TO r;",
                "GRANT EXECUTE ON PROCEDURE app.p(IN x integer) TO r;",
            ]
        );
    }

    #[test]
    fn argument_lists_from_the_server_that_are_not_type_lists_become_comments() {
        let a = access("r");
        let hostile = "integer) TO r; ALTER ROLE r SUPERUSER; --";
        let v = Verdict {
            role: "r".into(),
            job: Job::Source,
            ready: false,
            problems: vec![Problem {
                severity: Severity::Error,
                object_type: ObjectType::Function,
                schema: Some("app".into()),
                name: Some("f".into()),
                identity_args: Some(hostile.into()),
                missing: vec![Execute],
                reason: "test".into(),
                statement: None,
            }],
            fix_sql: String::new(),
        };
        let sql = fix_sql(&a, &v);
        assert!(statements(&sql).is_empty(), "no statement carries the server's text: {sql}");
        assert!(sql.contains("not a plain type list"), "{sql}");
        assert!(sql.lines().all(|l| l.is_empty() || l.starts_with("--")), "{sql}");
    }

    #[test]
    fn long_lists_are_split() {
        let mut a = access("r");
        a.schemas = vec![schema("app", true, false)];
        a.relations = (0..250).map(|i| table("app", &format!("t{i:03}"), &[])).collect();
        a.relations.push(table("app", "has_it", &[Select]));
        let v = source(&a);
        let stmts = statements(&v.fix_sql);
        assert_eq!(stmts.len(), 3);
        assert!(stmts[0].starts_with("GRANT SELECT ON TABLE app.t000, app.t001,"));
        assert_eq!(stmts[2].matches("app.t").count(), 50);
    }

    #[test]
    fn names_cannot_break_out_of_comments() {
        let mut a = access("evil\nDROP ROLE x; --");
        a.schemas = vec![schema("s\nDROP TABLE t; --", false, false)];
        a.relations = vec![table("s\nDROP TABLE t; --", "t", &[Select])];
        let v = source(&a);
        // Outside quoted identifiers, every line is a comment or a GRANT.
        let mut outside = String::new();
        let mut quoted = false;
        for c in v.fix_sql.chars() {
            if c == '"' {
                quoted = !quoted;
            } else if !quoted {
                outside.push(c);
            }
        }
        for line in outside.lines().filter(|l| !l.is_empty()) {
            assert!(line.starts_with("-- ") || line.starts_with("GRANT "), "{line:?} in\n{}", v.fix_sql);
        }
        assert!(v.fix_sql.contains("-- schema \"s\\u{a}DROP TABLE t; --\"\n"), "{}", v.fix_sql);
        // The line breaks in the names are spelled as Unicode escapes: the same names, shown.
        assert!(v.fix_sql.contains("GRANT USAGE ON SCHEMA U&\"s\\000ADROP TABLE t; --\" TO U&\"evil\\000ADROP ROLE x; --\";"), "{}", v.fix_sql);
    }
}
