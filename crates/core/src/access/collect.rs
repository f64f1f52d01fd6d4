//! Turns the analysis rows (simple-protocol text) into an [`Access`], one row
//! at a time: nothing of the raw rows is kept once a row is decoded.

use super::model::{
    Referencing, RlsPolicies, WriteFacts,
    Access, ColumnGrant, FunctionAccess, FunctionKind, NotFound, ObjectName, Privilege, RelationAccess,
    RelationKind, SchemaAccess, SequenceAccess, UseVia, UsedObject, WriteDependency,
};
use super::query::{kind, COLUMNS, KIND_COLUMN};
use super::quote::quote_ident;
use super::order;
use super::AccessError;
use std::collections::HashMap;

/// The most relations the `relations` rows of one analysis may name
/// (as many as the probe's row limit allows rows).
pub const MAX_GROUPED: usize = 1_000_000;

/// Accumulates analysis rows; [`Collector::finish`] sorts and links them.
#[derive(Debug, Default)]
pub struct Collector {
    access: Access,
    role_seen: bool,
    /// `use` rows, attached to their relations in `finish`.
    uses: Vec<((String, String), WriteDependency)>,
    /// `write` rows, likewise.
    writes: HashMap<(String, String), WriteFacts>,
    /// `cdc_*` rows (`replication.rs`).
    replication: super::replication::Rows,
    /// Relations listed by a `relations` group (an own `relation` row for
    /// one of them wins in `finish`).
    grouped: Grouped,
}

/// The members of `relations` groups, kept light (a name and its group's
/// position) until `finish` builds each relation once, in its place.
#[derive(Debug, Default)]
struct Grouped {
    /// Schema, kind and privileges of each group.
    groups: Vec<(String, RelationKind, Vec<Privilege>)>,
    members: Vec<(usize, String)>,
}

impl Collector {
    pub fn new() -> Collector {
        Collector::default()
    }

    /// Whether `row` is an analysis row (by its leading column's name): lets a
    /// caller that runs the analysis in a larger batch route rows here.
    pub fn accepts(row: &tokio_postgres::SimpleQueryRow) -> bool {
        row.columns().first().is_some_and(|c| c.name() == KIND_COLUMN)
    }

    /// Decodes one row of [`analysis_sql`](super::analysis_sql)'s result.
    pub fn push(&mut self, row: &tokio_postgres::SimpleQueryRow) -> Result<(), AccessError> {
        if !Collector::accepts(row) || row.len() != COLUMNS {
            return Err(AccessError::Row(format!(
                "not an analysis row ({} columns, first {:?})",
                row.len(),
                row.columns().first().map(|c| c.name())
            )));
        }
        let mut fields: [Option<&str>; COLUMNS] = [None; COLUMNS];
        for (i, field) in fields.iter_mut().enumerate() {
            *field = row.try_get(i).map_err(|e| AccessError::Row(e.to_string()))?;
        }
        self.push_fields(&fields)
    }

    /// [`Collector::push`] on already extracted fields (kind first).
    pub(crate) fn push_fields(&mut self, f: &[Option<&str>]) -> Result<(), AccessError> {
        if f.len() != COLUMNS {
            return Err(AccessError::Row(format!("{} columns, expected {COLUMNS}", f.len())));
        }
        let k = req(f, 0)?;
        if k.starts_with(kind::CDC_PREFIX) {
            return self.replication.push(f);
        }
        match k {
            kind::ROLE => {
                self.access.role = req(f, 1)?.to_owned();
                self.access.database = req(f, 2)?.to_owned();
                self.access.superuser = boolean(f, 3)?;
                self.access.bypass_rls = boolean(f, 4)?;
                self.role_seen = true;
            }
            kind::SCHEMA => self.access.schemas.push(SchemaAccess {
                name: req(f, 1)?.to_owned(),
                usage: boolean(f, 3)?,
                create: boolean(f, 4)?,
                complete: boolean(f, 5)?,
            }),
            kind::RELATION => {
                let relkind = req(f, 3)?;
                let kind = RelationKind::from_relkind(relkind)
                    .ok_or_else(|| AccessError::Row(format!("unknown relkind {relkind:?}")))?;
                let column_privileges = column_grants(f[5].unwrap_or(""))?;
                let partition_of = match (f[7], f[8]) {
                    (Some(schema), Some(name)) => Some(ObjectName { schema: schema.to_owned(), name: name.to_owned() }),
                    _ => None,
                };
                self.access.relations.push(RelationAccess {
                    schema: req(f, 1)?.to_owned(),
                    name: req(f, 2)?.to_owned(),
                    kind,
                    privileges: privileges(f[4].unwrap_or(""))?,
                    rls: boolean(f, 6)?,
                    column_only: !column_privileges.is_empty(),
                    column_privileges,
                    partition_of,
                    uses: Vec::new(),
                    write: None,
                });
            }
            kind::RELATIONS => self.push_group(f)?,
            kind::SEQUENCE => {
                let owned_by = match (f[4], f[5], f[6]) {
                    (Some(s), Some(t), Some(c)) => {
                        Some(format!("{}.{}.{}", quote_ident(s), quote_ident(t), quote_ident(c)))
                    }
                    _ => None,
                };
                self.access.sequences.push(SequenceAccess {
                    schema: req(f, 1)?.to_owned(),
                    name: req(f, 2)?.to_owned(),
                    privileges: privileges(f[3].unwrap_or(""))?,
                    owned_by,
                    identity: boolean(f, 7)?,
                });
            }
            kind::FUNCTION => {
                let kind = match req(f, 4)? {
                    "f" => FunctionKind::Function,
                    "p" => FunctionKind::Procedure,
                    other => return Err(AccessError::Row(format!("unknown prokind {other:?}"))),
                };
                self.access.functions.push(FunctionAccess {
                    schema: req(f, 1)?.to_owned(),
                    name: req(f, 2)?.to_owned(),
                    identity_args: f[3].unwrap_or("").to_owned(),
                    kind,
                    execute: boolean(f, 5)?,
                });
            }
            kind::USE => {
                let via = match req(f, 3)? {
                    "default" => UseVia::Default,
                    "generated" => UseVia::Generated,
                    "check" => UseVia::Check,
                    other => return Err(AccessError::Row(format!("unknown use {other:?}"))),
                };
                let object_type = match req(f, 6)? {
                    "sequence" => UsedObject::Sequence,
                    "function" => UsedObject::Function,
                    other => return Err(AccessError::Row(format!("unknown used object {other:?}"))),
                };
                let table = (req(f, 1)?.to_owned(), req(f, 2)?.to_owned());
                self.uses.push((
                    table,
                    WriteDependency {
                        via,
                        column: f[4].map(str::to_owned),
                        constraint: f[5].map(str::to_owned),
                        object_type,
                        schema: req(f, 7)?.to_owned(),
                        name: req(f, 8)?.to_owned(),
                        identity_args: match object_type {
                            UsedObject::Function => Some(f[9].unwrap_or("").to_owned()),
                            UsedObject::Sequence => None,
                        },
                        granted: boolean(f, 10)?,
                    },
                ));
            }
            kind::WRITE => {
                let json = |i: usize| -> Result<Option<serde_json::Value>, AccessError> {
                    f[i].map(|t| serde_json::from_str(t).map_err(|e| AccessError::Row(format!("c{i} is not JSON: {e}")))).transpose()
                };
                let names = |v: Option<serde_json::Value>| -> Vec<String> {
                    v.and_then(|v| v.as_array().cloned()).unwrap_or_default().into_iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()
                };
                let referenced_by = json(7)?.map(|v| {
                    v.as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|t| Some(Referencing { schema: t.get(0)?.as_str()?.to_owned(), name: t.get(1)?.as_str()?.to_owned(), truncate: t.get(2)?.as_bool()? }))
                        .collect()
                });
                let rls = f[8].map(|flags| {
                    let has = |w: &str| flags.split(',').any(|x| x == w);
                    RlsPolicies {
                        insert: has("insert"),
                        update: has("update"),
                        select: has("select"),
                        restrictive: has("restrictive"),
                        restrictive_rejects_insert: has("restrictive_rejects_insert"),
                    }
                });
                let facts = WriteFacts {
                    key: names(json(3)?),
                    insert_all: boolean(f, 4)?,
                    update_all: boolean(f, 5)?,
                    select_all: boolean(f, 6)?,
                    referenced_by,
                    rls,
                    triggers: names(json(9)?),
                    deferrable: boolean(f, 10)?,
                };
                self.writes.insert((req(f, 1)?.to_owned(), req(f, 2)?.to_owned()), facts);
            }
            kind::OTHER_SCHEMA => self.access.other_schemas.push(req(f, 1)?.to_owned()),
            kind::MISSING => self.access.not_found.push(NotFound {
                schema: req(f, 1)?.to_owned(),
                name: f[2].map(str::to_owned),
            }),
            other => return Err(AccessError::Row(format!("unknown row kind {other:?}"))),
        }
        Ok(())
    }

    /// A `relations` row: its members join `grouped`. The rows of a test are
    /// bounded by the probe, but one row can name many members, so their
    /// number is bounded here ([`MAX_GROUPED`]).
    fn push_group(&mut self, f: &[Option<&str>]) -> Result<(), AccessError> {
        let relkind = req(f, 3)?;
        let kind =
            RelationKind::from_relkind(relkind).ok_or_else(|| AccessError::Row(format!("unknown relkind {relkind:?}")))?;
        let schema = req(f, 1)?;
        let names: Vec<String> = serde_json::from_str(req(f, 2)?)
            .map_err(|e| AccessError::Row(format!("relation names of {schema:?}: {e}")))?;
        if names.iter().any(String::is_empty) {
            return Err(AccessError::Row(format!("an empty relation name in {schema:?}")));
        }
        if self.grouped.members.len() + names.len() > MAX_GROUPED {
            return Err(AccessError::Row(format!("more than {MAX_GROUPED} relations in groups")));
        }
        let privileges = privileges(f[4].unwrap_or(""))?;
        let group = self.grouped.groups.len();
        self.grouped.groups.push((schema.to_owned(), kind, privileges));
        self.grouped.members.extend(names.into_iter().map(|name| (group, name)));
        Ok(())
    }

    /// Whether the analysis's `role` row arrived (it always comes when the
    /// statement ran to completion).
    pub fn saw_role(&self) -> bool {
        self.role_seen
    }

    /// The analysis, sorted by schema and name, with each relation's `uses`
    /// attached.
    pub fn finish(self) -> Access {
        let Collector { mut access, uses, mut writes, replication, grouped, .. } = self;
        access.replication = replication.finish();
        order::sort_by_name(&mut access.relations, |r| (&r.schema, &r.name));
        if !grouped.members.is_empty() {
            access.relations = merge(std::mem::take(&mut access.relations), grouped);
        }
        if !writes.is_empty() {
            for r in &mut access.relations {
                r.write = writes.remove(&(r.schema.clone(), r.name.clone())).map(Box::new);
            }
        }
        access.schemas.sort_by(|a, b| a.name.cmp(&b.name));
        access.other_schemas.sort();
        order::sort_by_name(&mut access.sequences, |s| (&s.schema, &s.name));
        order::sort_moving_once(&mut access.functions, |a, b| {
            (&a.schema, &a.name, &a.identity_args).cmp(&(&b.schema, &b.name, &b.identity_args))
        });
        access.not_found.sort();
        if !uses.is_empty() {
            let index: HashMap<(&str, &str), usize> = access
                .relations
                .iter()
                .enumerate()
                .map(|(i, r)| ((r.schema.as_str(), r.name.as_str()), i))
                .collect();
            let mut attach: Vec<(usize, WriteDependency)> = uses
                .into_iter()
                .filter_map(|((s, t), dep)| index.get(&(s.as_str(), t.as_str())).map(|&i| (i, dep)))
                .collect();
            drop(index);
            attach.sort();
            for (i, dep) in attach {
                access.relations[i].uses.push(dep);
            }
        }
        access
    }
}

/// The own relations (sorted) and the groups' members, in one sorted list:
/// each member is built once, in its place, and a member with an own row
/// (RLS, a partition, column grants) gives way to it.
fn merge(own: Vec<RelationAccess>, grouped: Grouped) -> Vec<RelationAccess> {
    let Grouped { groups, mut members } = grouped;
    let sorted = order::by_name(members.len(), |i| (groups[members[i].0].0.as_str(), members[i].1.as_str()));
    let mut out = Vec::with_capacity(own.len() + members.len());
    let mut own = own.into_iter().peekable();
    let mut last_own: Option<usize> = None;
    for i in sorted {
        let (group, name) = (members[i].0, std::mem::take(&mut members[i].1));
        let (schema, kind, privileges) = &groups[group];
        while let Some(r) = own.next_if(|r| (r.schema.as_str(), r.name.as_str()) <= (schema.as_str(), name.as_str())) {
            last_own = Some(out.len());
            out.push(r);
        }
        if last_own.is_some_and(|j| out[j].schema == *schema && out[j].name == name) {
            continue;
        }
        out.push(RelationAccess {
            schema: schema.clone(),
            name,
            kind: *kind,
            privileges: privileges.clone(),
            rls: false,
            column_only: false,
            column_privileges: Vec::new(),
            partition_of: None,
            uses: Vec::new(),
            write: None,
        });
    }
    out.extend(own);
    out
}

fn req<'a>(f: &[Option<&'a str>], i: usize) -> Result<&'a str, AccessError> {
    f[i].ok_or_else(|| AccessError::Row(format!("column c{i} is null in a {:?} row", f[0])))
}

fn boolean(f: &[Option<&str>], i: usize) -> Result<bool, AccessError> {
    match f[i] {
        Some("true" | "t") => Ok(true),
        Some("false" | "f") | None => Ok(false),
        Some(other) => Err(AccessError::Row(format!("not a boolean: {other:?}"))),
    }
}

fn privileges(csv: &str) -> Result<Vec<Privilege>, AccessError> {
    csv.split(',')
        .filter(|w| !w.is_empty())
        .map(|w| Privilege::from_sql(w).ok_or_else(|| AccessError::Row(format!("unknown privilege {w:?}"))))
        .collect()
}

fn column_grants(csv: &str) -> Result<Vec<ColumnGrant>, AccessError> {
    csv.split(',')
        .filter(|w| !w.is_empty())
        .map(|item| {
            let (word, extent) = item.split_once(':').unwrap_or((item, "some"));
            let privilege =
                Privilege::from_sql(word).ok_or_else(|| AccessError::Row(format!("unknown privilege {word:?}")))?;
            Ok(ColumnGrant { privilege, all_columns: extent == "all" })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(fields: &[Option<&'a str>]) -> Vec<Option<&'a str>> {
        let mut v = fields.to_vec();
        v.resize(COLUMNS, None);
        v
    }

    #[test]
    fn decodes_every_row_kind() {
        let mut c = Collector::new();
        let rows = [
            row(&[Some("relation"), Some("s"), Some("b"), Some("p"), Some("SELECT,TRIGGER"), Some("INSERT:all,UPDATE:some"), Some("true")]),
            row(&[Some("relation"), Some("s"), Some("a_1"), Some("r"), Some(""), None, Some("false"), Some("s"), Some("b")]),
            row(&[Some("role"), Some("me"), Some("db"), Some("false"), Some("true")]),
            row(&[Some("schema"), Some("s"), None, Some("true"), Some("false"), Some("true")]),
            row(&[Some("sequence"), Some("s"), Some("q"), Some("USAGE,UPDATE"), Some("s"), Some("Has.Dot"), Some("id"), Some("true")]),
            row(&[Some("sequence"), Some("s"), Some("free"), Some(""), None, None, None, Some("false")]),
            row(&[Some("function"), Some("s"), Some("f"), Some("a integer"), Some("f"), Some("true")]),
            row(&[Some("function"), Some("s"), Some("p"), Some(""), Some("p"), Some("false")]),
            row(&[Some("use"), Some("s"), Some("b"), Some("default"), Some("id"), None, Some("sequence"), Some("s"), Some("q"), None, Some("false")]),
            row(&[Some("use"), Some("s"), Some("b"), Some("check"), None, Some("c1"), Some("function"), Some("s"), Some("f"), Some("a integer"), Some("true")]),
            row(&[Some("use"), Some("s"), Some("gone"), Some("default"), Some("id"), None, Some("sequence"), Some("s"), Some("q"), None, Some("false")]),
            row(&[Some("missing"), Some("x"), None]),
            row(&[Some("other_schema"), Some("zz")]),
            row(&[Some("other_schema"), Some("hr")]),
        ];
        for r in &rows {
            c.push_fields(r).unwrap();
        }
        assert!(c.saw_role());
        let a = c.finish();
        assert_eq!((a.role.as_str(), a.database.as_str(), a.superuser, a.bypass_rls), ("me", "db", false, true));
        assert_eq!(a.schemas, [SchemaAccess { name: "s".into(), usage: true, create: false, complete: true }]);
        // Sorted by name.
        assert_eq!(a.relations.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["a_1", "b"]);
        let b = &a.relations[1];
        assert_eq!(b.kind, RelationKind::PartitionedTable);
        assert_eq!(b.privileges, [Privilege::Select, Privilege::Trigger]);
        assert!(b.rls && b.column_only);
        assert_eq!(
            b.column_privileges,
            [
                ColumnGrant { privilege: Privilege::Insert, all_columns: true },
                ColumnGrant { privilege: Privilege::Update, all_columns: false }
            ]
        );
        // Uses attached to their relation (and dropped for unknown ones), sorted.
        assert_eq!(b.uses.len(), 2);
        assert_eq!(b.uses[0].via, UseVia::Default);
        assert_eq!(b.uses[1].identity_args.as_deref(), Some("a integer"));
        assert!(b.uses[1].granted && !b.uses[0].granted);
        let a1 = &a.relations[0];
        assert!(a1.privileges.is_empty() && !a1.column_only);
        assert_eq!(a1.partition_of, Some(ObjectName { schema: "s".into(), name: "b".into() }));
        assert_eq!(a.sequences[1].owned_by.as_deref(), Some("s.\"Has.Dot\".id"));
        assert!(a.sequences[1].identity);
        assert_eq!(a.sequences[0].owned_by, None);
        assert_eq!(a.functions[0].kind, FunctionKind::Function);
        assert_eq!(a.functions[1].kind, FunctionKind::Procedure);
        assert!(!a.functions[1].execute);
        assert_eq!(a.not_found, [NotFound { schema: "x".into(), name: None }]);
        assert_eq!(a.other_schemas, ["hr", "zz"]);
    }

    #[test]
    fn a_group_lists_its_members_and_an_own_row_wins() {
        let mut c = Collector::new();
        let rows = [
            row(&[Some("relations"), Some("s"), Some(r#"["b", "a \"q\"", "c"]"#), Some("v"), Some("SELECT,INSERT")]),
            // A member with column grants of its own (no table-level SELECT).
            row(&[Some("relation"), Some("s"), Some("c"), Some("v"), Some("INSERT"), Some("SELECT:some"), Some("false")]),
            row(&[Some("relations"), Some("t"), Some("[]"), Some("r"), Some("")]),
        ];
        for r in &rows {
            c.push_fields(r).unwrap();
        }
        let a = c.finish();
        let names: Vec<(&str, &str)> = a.relations.iter().map(|r| (r.schema.as_str(), r.name.as_str())).collect();
        assert_eq!(names, [("s", "a \"q\""), ("s", "b"), ("s", "c")]);
        assert!(a.relations.iter().all(|r| r.kind == RelationKind::View));
        assert_eq!(a.relations[1].privileges, [Privilege::Select, Privilege::Insert]);
        assert!(!a.relations[1].column_only && !a.relations[1].rls);
        assert_eq!(a.relations[2].privileges, [Privilege::Insert]);
        assert!(a.relations[2].column_only);
        for bad in [Some("not json"), Some("[1]"), Some(r#"["a", ""]"#), None] {
            let mut c = Collector::new();
            assert!(c.push_fields(&row(&[Some("relations"), Some("s"), bad, Some("r"), Some("")])).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rejects_what_it_does_not_know() {
        let mut c = Collector::new();
        assert!(c.push_fields(&row(&[Some("bogus")])).is_err());
        assert!(c.push_fields(&row(&[None])).is_err());
        assert!(c.push_fields(&[Some("role")]).is_err());
        assert!(c.push_fields(&row(&[Some("relation"), Some("s"), Some("t"), Some("S"), Some("")])).is_err());
        assert!(c.push_fields(&row(&[Some("relation"), Some("s"), Some("t"), Some("r"), Some("OWN")])).is_err());
        assert!(c.push_fields(&row(&[Some("schema"), Some("s"), None, Some("maybe")])).is_err());
        assert!(!c.saw_role());
    }
}
