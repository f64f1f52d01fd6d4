//! The compact form of [`Access`]: what the app's window receives.
//!
//! At 100,000 tables the `access` object of `sluice test --json` is 18 MiB
//! of JSON, most of it the same keys and privilege words repeated on every
//! row. The window gets the same facts column by column instead: schema
//! names interned, kinds as small numbers, privileges as bit sets, and the
//! rare per-relation details (column grants, partition parents, write
//! dependencies) only for the rows that have them. The legend (`kinds`,
//! `privilege_bits`) travels in the payload, so the page decodes it with no
//! vocabulary of its own. The conversion is lossless: [`CompactAccess::expand`]
//! gives back the [`Access`] it was made from. `sluice test --json` keeps the
//! full form.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::model::{
    Access, ColumnGrant, FunctionAccess, NotFound, ObjectName, Privilege, RelationAccess, RelationKind, SchemaAccess,
    SequenceAccess, UseVia, UsedObject, WriteDependency,
};

/// Every privilege, in bit order: bit `i` of a `privileges` value is `PRIVILEGE_BITS[i]`.
pub const PRIVILEGE_BITS: [Privilege; 11] = [
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::Delete,
    Privilege::Truncate,
    Privilege::References,
    Privilege::Trigger,
    Privilege::Usage,
    Privilege::Create,
    Privilege::Execute,
    Privilege::Connect,
];

/// Every relation kind, in code order: a `kind` value indexes it.
pub const KIND_CODES: [RelationKind; 5] = [
    RelationKind::Table,
    RelationKind::PartitionedTable,
    RelationKind::View,
    RelationKind::MaterializedView,
    RelationKind::ForeignTable,
];

/// `relations.flags` bit: row level security applies.
pub const FLAG_RLS: u8 = 1;
/// `relations.flags` bit: some privilege is held on some columns only.
pub const FLAG_COLUMN_ONLY: u8 = 2;
/// `sequences.flags` bit: the sequence backs an identity column.
pub const FLAG_IDENTITY: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactAccess {
    pub role: String,
    pub database: String,
    pub superuser: bool,
    pub bypass_rls: bool,
    /// The legend of every `privileges` bit set.
    pub privilege_bits: Vec<Privilege>,
    /// The legend of `relations.kind`.
    pub kinds: Vec<RelationKind>,
    /// The schema names that `relations.schema` and `sequences.schema` index.
    pub names: Vec<String>,
    pub schemas: Vec<SchemaAccess>,
    pub relations: CompactRelations,
    pub sequences: CompactSequences,
    pub functions: Vec<FunctionAccess>,
    pub not_found: Vec<NotFound>,
    pub other_schemas: Vec<String>,
    /// As in the full form (small: one row per table in scope at most).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication: Option<super::replication::Replication>,
}

/// The relations, one column per field; row `i` is the `i`th entry of each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactRelations {
    pub schema: Vec<u32>,
    pub name: Vec<String>,
    pub kind: Vec<u8>,
    pub privileges: Vec<u16>,
    pub flags: Vec<u8>,
    /// The rows with column grants, a partition parent or write dependencies, by row number.
    pub extra: BTreeMap<u32, RelationExtra>,
    /// Destinations: per row, the write facts' bits (1 present, 2 INSERT on
    /// every written column, 4 UPDATE on every non-key one, 8 SELECT on the
    /// key), and the conflict key's columns; empty for a source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub write: Vec<u8>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub write_key: Vec<Vec<String>>,
}

const WRITE_PRESENT: u8 = 1;
const WRITE_INSERT: u8 = 2;
const WRITE_UPDATE: u8 = 4;
const WRITE_SELECT_ALL: u8 = 8;
const WRITE_DEFERRABLE: u8 = 16;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationExtra {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub column_privileges: Vec<ColumnGrant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<ObjectName>,
    /// Each as `[via, column, constraint, object_type, schema, name, identity_args, granted]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<CompactUse>,
    /// The rarer write facts: referencing tables, policies, triggers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced_by: Option<Vec<super::model::Referencing>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rls: Option<super::model::RlsPolicies>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<String>,
}

/// A [`WriteDependency`] as an array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactUse(
    pub UseVia,
    pub Option<String>,
    pub Option<String>,
    pub UsedObject,
    pub String,
    pub String,
    pub Option<String>,
    pub bool,
);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactSequences {
    pub schema: Vec<u32>,
    pub name: Vec<String>,
    pub privileges: Vec<u16>,
    pub owned_by: Vec<Option<String>>,
    pub flags: Vec<u8>,
}

/// A compact form that does not decode: an index past its legend or columns of unequal length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed compact access: {0}")]
pub struct CompactError(String);

fn bits(privileges: &[Privilege]) -> u16 {
    privileges.iter().fold(0, |acc, p| acc | 1 << bit_of(*p))
}

fn bit_of(p: Privilege) -> usize {
    PRIVILEGE_BITS.iter().position(|q| *q == p).expect("PRIVILEGE_BITS lists every privilege")
}

fn kind_code(k: RelationKind) -> u8 {
    KIND_CODES.iter().position(|q| *q == k).expect("KIND_CODES lists every kind") as u8
}

struct Interner {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner {
    fn get(&mut self, name: &str) -> u32 {
        if let Some(i) = self.index.get(name) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }
}

impl From<&Access> for CompactAccess {
    fn from(a: &Access) -> CompactAccess {
        let mut names = Interner { names: Vec::new(), index: HashMap::new() };
        let n = a.relations.len();
        let mut relations = CompactRelations {
            schema: Vec::with_capacity(n),
            name: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            privileges: Vec::with_capacity(n),
            flags: Vec::with_capacity(n),
            extra: BTreeMap::new(),
            write: Vec::new(),
            write_key: Vec::new(),
        };
        let writes = a.relations.iter().any(|r| r.write.is_some());
        for (i, r) in a.relations.iter().enumerate() {
            relations.schema.push(names.get(&r.schema));
            relations.name.push(r.name.clone());
            relations.kind.push(kind_code(r.kind));
            relations.privileges.push(bits(&r.privileges));
            relations.flags.push(if r.rls { FLAG_RLS } else { 0 } | if r.column_only { FLAG_COLUMN_ONLY } else { 0 });
            if writes {
                let w = r.write.as_ref();
                let bit = |on: bool, b: u8| if on { b } else { 0 };
                relations.write.push(w.map_or(0, |w| {
                    WRITE_PRESENT | bit(w.insert_all, WRITE_INSERT) | bit(w.update_all, WRITE_UPDATE) | bit(w.select_all, WRITE_SELECT_ALL) | bit(w.deferrable, WRITE_DEFERRABLE)
                }));
                relations.write_key.push(w.map(|w| w.key.clone()).unwrap_or_default());
            }
            let rare = r.write.as_ref().filter(|w| w.referenced_by.is_some() || w.rls.is_some() || !w.triggers.is_empty());
            if !r.column_privileges.is_empty() || r.partition_of.is_some() || !r.uses.is_empty() || rare.is_some() {
                relations.extra.insert(
                    i as u32,
                    RelationExtra {
                        column_privileges: r.column_privileges.clone(),
                        partition_of: r.partition_of.clone(),
                        uses: r.uses.iter().map(CompactUse::from).collect(),
                        referenced_by: rare.and_then(|w| w.referenced_by.clone()),
                        rls: rare.and_then(|w| w.rls.clone()),
                        triggers: rare.map(|w| w.triggers.clone()).unwrap_or_default(),
                    },
                );
            }
        }
        let mut sequences = CompactSequences::default();
        for s in &a.sequences {
            sequences.schema.push(names.get(&s.schema));
            sequences.name.push(s.name.clone());
            sequences.privileges.push(bits(&s.privileges));
            sequences.owned_by.push(s.owned_by.clone());
            sequences.flags.push(if s.identity { FLAG_IDENTITY } else { 0 });
        }
        CompactAccess {
            role: a.role.clone(),
            database: a.database.clone(),
            superuser: a.superuser,
            bypass_rls: a.bypass_rls,
            privilege_bits: PRIVILEGE_BITS.to_vec(),
            kinds: KIND_CODES.to_vec(),
            names: names.names,
            schemas: a.schemas.clone(),
            relations,
            sequences,
            functions: a.functions.clone(),
            not_found: a.not_found.clone(),
            other_schemas: a.other_schemas.clone(),
            replication: a.replication.clone(),
        }
    }
}

impl From<&WriteDependency> for CompactUse {
    fn from(w: &WriteDependency) -> CompactUse {
        CompactUse(
            w.via,
            w.column.clone(),
            w.constraint.clone(),
            w.object_type,
            w.schema.clone(),
            w.name.clone(),
            w.identity_args.clone(),
            w.granted,
        )
    }
}

impl CompactAccess {
    /// The full [`Access`] back, with every index checked against its legend.
    pub fn expand(self) -> Result<Access, CompactError> {
        let CompactAccess { names, privilege_bits, kinds, relations: r, sequences: s, .. } = &self;
        let err = |what: &str| CompactError(what.to_owned());
        let n = r.name.len();
        let writes_ok = r.write.is_empty() || (r.write.len() == n && r.write_key.len() == n);
        if [r.schema.len(), r.kind.len(), r.privileges.len(), r.flags.len()].iter().any(|l| *l != n) || !writes_ok {
            return Err(err("the relation columns differ in length"));
        }
        let m = s.name.len();
        if [s.schema.len(), s.privileges.len(), s.owned_by.len(), s.flags.len()].iter().any(|l| *l != m) {
            return Err(err("the sequence columns differ in length"));
        }
        if let Some((row, _)) = r.extra.iter().next_back().filter(|(row, _)| **row as usize >= n) {
            return Err(CompactError(format!("details for relation {row}, of {n}")));
        }
        let name = |i: u32| names.get(i as usize).cloned().ok_or_else(|| CompactError(format!("schema name {i}")));
        // The full form lists privileges in the canonical order of the
        // object's kind (`Privilege::TABLE`, `Privilege::SEQUENCE`), as the analysis does.
        let privileges = |set: u16, order: &[Privilege]| -> Result<Vec<Privilege>, CompactError> {
            let mut out = Vec::new();
            for bit in 0..16 {
                if set & (1 << bit) != 0 {
                    out.push(*privilege_bits.get(bit).ok_or_else(|| CompactError(format!("privilege bit {bit}")))?);
                }
            }
            out.sort_by_key(|p| order.iter().position(|q| q == p).unwrap_or(order.len()));
            Ok(out)
        };
        let mut relations = Vec::with_capacity(n);
        for i in 0..n {
            let extra = r.extra.get(&(i as u32)).cloned().unwrap_or_default();
            relations.push(RelationAccess {
                schema: name(r.schema[i])?,
                name: r.name[i].clone(),
                kind: *kinds.get(r.kind[i] as usize).ok_or_else(|| CompactError(format!("kind {}", r.kind[i])))?,
                privileges: privileges(r.privileges[i], &Privilege::TABLE)?,
                rls: r.flags[i] & FLAG_RLS != 0,
                column_only: r.flags[i] & FLAG_COLUMN_ONLY != 0,
                column_privileges: extra.column_privileges,
                partition_of: extra.partition_of,
                uses: extra
                    .uses
                    .into_iter()
                    .map(|CompactUse(via, column, constraint, object_type, schema, name, identity_args, granted)| {
                        WriteDependency { via, column, constraint, object_type, schema, name, identity_args, granted }
                    })
                    .collect(),
                write: match r.write.get(i).copied() {
                    Some(bits) if bits & WRITE_PRESENT != 0 => Some(Box::new(super::model::WriteFacts {
                        key: r.write_key.get(i).cloned().unwrap_or_default(),
                        insert_all: bits & WRITE_INSERT != 0,
                        update_all: bits & WRITE_UPDATE != 0,
                        select_all: bits & WRITE_SELECT_ALL != 0,
                        deferrable: bits & WRITE_DEFERRABLE != 0,
                        referenced_by: extra.referenced_by,
                        rls: extra.rls,
                        triggers: extra.triggers,
                    })),
                    _ => None,
                },
            });
        }
        let mut sequences = Vec::with_capacity(m);
        for i in 0..m {
            sequences.push(SequenceAccess {
                schema: name(s.schema[i])?,
                name: s.name[i].clone(),
                privileges: privileges(s.privileges[i], &Privilege::SEQUENCE)?,
                owned_by: s.owned_by[i].clone(),
                identity: s.flags[i] & FLAG_IDENTITY != 0,
            });
        }
        Ok(Access {
            role: self.role,
            database: self.database,
            superuser: self.superuser,
            bypass_rls: self.bypass_rls,
            schemas: self.schemas,
            relations,
            sequences,
            functions: self.functions,
            not_found: self.not_found,
            other_schemas: self.other_schemas,
            replication: self.replication,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_table() -> Access {
        Access {
            role: "r".into(),
            relations: vec![RelationAccess {
                schema: "s".into(),
                name: "t".into(),
                kind: RelationKind::View,
                privileges: vec![Privilege::Select, Privilege::Trigger],
                rls: true,
                column_only: false,
                column_privileges: vec![],
                partition_of: None,
                uses: vec![],
                write: None,
            }],
            sequences: vec![SequenceAccess {
                schema: "s".into(),
                name: "q".into(),
                privileges: vec![Privilege::Usage, Privilege::Select],
                owned_by: None,
                identity: true,
            }],
            ..Access::default()
        }
    }

    #[test]
    fn names_are_interned_and_privileges_are_bits() {
        let c = CompactAccess::from(&one_table());
        assert_eq!(c.names, ["s"]);
        assert_eq!(c.relations.schema, [0]);
        assert_eq!(c.sequences.schema, [0]);
        assert_eq!(c.relations.kind, [2]);
        assert_eq!(c.relations.privileges, [1 | 1 << 6]);
        assert_eq!(c.relations.flags, [FLAG_RLS]);
        assert_eq!(c.sequences.privileges, [1 | 1 << 7]);
        assert_eq!(c.sequences.flags, [FLAG_IDENTITY]);
        assert_eq!(c.clone().expand().unwrap(), one_table());
        // The legend travels as the words of the full form.
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["privilege_bits"][0], "SELECT");
        assert_eq!(v["kinds"][2], "view");
    }

    #[test]
    fn a_malformed_compact_form_is_an_error_not_a_panic() {
        let good = CompactAccess::from(&one_table());
        let mut c = good.clone();
        c.relations.schema[0] = 7;
        assert!(c.expand().unwrap_err().to_string().contains("schema name 7"));
        let mut c = good.clone();
        c.relations.kind[0] = 9;
        assert!(c.expand().is_err());
        let mut c = good.clone();
        c.relations.privileges[0] = 1 << 15;
        assert!(c.expand().unwrap_err().to_string().contains("privilege bit 15"));
        let mut c = good.clone();
        c.relations.flags.clear();
        assert!(c.expand().is_err());
        let mut c = good.clone();
        c.sequences.owned_by.push(None);
        assert!(c.expand().is_err());
        let mut c = good;
        c.relations.extra.insert(3, RelationExtra::default());
        assert!(c.expand().unwrap_err().to_string().contains("relation 3"));
    }
}
