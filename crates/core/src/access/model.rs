//! What the role can reach, as Postgres's own `has_*_privilege` functions
//! report it for `current_user`. This is the `access` JSON object.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A privilege, serialized as its upper-case SQL word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Privilege {
    Select,
    Insert,
    Update,
    Delete,
    Truncate,
    References,
    Trigger,
    Usage,
    Create,
    Execute,
    /// On a database: may open sessions in it.
    Connect,
}

impl Privilege {
    /// The privileges a relation can carry, in SQL's canonical order.
    pub const TABLE: [Privilege; 7] = [
        Privilege::Select,
        Privilege::Insert,
        Privilege::Update,
        Privilege::Delete,
        Privilege::Truncate,
        Privilege::References,
        Privilege::Trigger,
    ];
    /// The privileges a sequence can carry.
    pub const SEQUENCE: [Privilege; 3] = [Privilege::Usage, Privilege::Select, Privilege::Update];
    /// The privileges that can also be granted on single columns.
    pub const COLUMN: [Privilege; 4] =
        [Privilege::Select, Privilege::Insert, Privilege::Update, Privilege::References];

    pub fn as_sql(self) -> &'static str {
        match self {
            Privilege::Select => "SELECT",
            Privilege::Insert => "INSERT",
            Privilege::Update => "UPDATE",
            Privilege::Delete => "DELETE",
            Privilege::Truncate => "TRUNCATE",
            Privilege::References => "REFERENCES",
            Privilege::Trigger => "TRIGGER",
            Privilege::Usage => "USAGE",
            Privilege::Create => "CREATE",
            Privilege::Execute => "EXECUTE",
            Privilege::Connect => "CONNECT",
        }
    }

    pub fn from_sql(word: &str) -> Option<Privilege> {
        Some(match word {
            "SELECT" => Privilege::Select,
            "INSERT" => Privilege::Insert,
            "UPDATE" => Privilege::Update,
            "DELETE" => Privilege::Delete,
            "TRUNCATE" => Privilege::Truncate,
            "REFERENCES" => Privilege::References,
            "TRIGGER" => Privilege::Trigger,
            "USAGE" => Privilege::Usage,
            "CREATE" => Privilege::Create,
            "EXECUTE" => Privilege::Execute,
            "CONNECT" => Privilege::Connect,
            _ => return None,
        })
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_sql())
    }
}

/// `pg_class.relkind` for the relations Sluice reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    Table,
    PartitionedTable,
    View,
    MaterializedView,
    ForeignTable,
}

impl RelationKind {
    pub fn from_relkind(relkind: &str) -> Option<RelationKind> {
        Some(match relkind {
            "r" => RelationKind::Table,
            "p" => RelationKind::PartitionedTable,
            "v" => RelationKind::View,
            "m" => RelationKind::MaterializedView,
            "f" => RelationKind::ForeignTable,
            _ => return None,
        })
    }

    /// The JSON word (`table`, `partitioned_table`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::Table => "table",
            RelationKind::PartitionedTable => "partitioned_table",
            RelationKind::View => "view",
            RelationKind::MaterializedView => "materialized_view",
            RelationKind::ForeignTable => "foreign_table",
        }
    }

    /// Whether rows are written into it directly (tables, partitioned tables).
    pub fn is_writable_table(self) -> bool {
        matches!(self, RelationKind::Table | RelationKind::PartitionedTable)
    }
}

/// Everything the analysis found. `role` is the database role (`current_user`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    pub role: String,
    /// `current_database()`.
    pub database: String,
    /// `rolsuper` of the role.
    pub superuser: bool,
    /// The role bypasses row level security (superuser or BYPASSRLS).
    pub bypass_rls: bool,
    pub schemas: Vec<SchemaAccess>,
    pub relations: Vec<RelationAccess>,
    pub sequences: Vec<SequenceAccess>,
    pub functions: Vec<FunctionAccess>,
    /// Schemas and tables the scope named that do not exist (or are system objects).
    pub not_found: Vec<NotFound>,
    /// The names of the database's other (non-system) schemas, outside the
    /// scope and not analysed: what a scope can be chosen from.
    #[serde(default)]
    pub other_schemas: Vec<String>,
    /// A source read by change data capture: the replication facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication: Option<super::replication::Replication>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaAccess {
    pub name: String,
    pub usage: bool,
    pub create: bool,
    /// Every object of the schema was analysed (it is in scope as a whole),
    /// so `GRANT ... ON ALL ... IN SCHEMA` can be judged exactly. False when
    /// only some of its tables were in scope.
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationAccess {
    pub schema: String,
    pub name: String,
    pub kind: RelationKind,
    /// Table-level privileges (`has_table_privilege`), in SQL order.
    pub privileges: Vec<Privilege>,
    /// Row level security applies to this role (`row_security_active`): it is
    /// enabled and the role neither bypasses RLS (superuser, BYPASSRLS) nor
    /// owns the table, or it is forced and the role does not bypass it.
    pub rls: bool,
    /// Some privilege is held on some columns only (see `column_privileges`).
    pub column_only: bool,
    /// Privileges the role lacks on the table but holds on columns of it.
    pub column_privileges: Vec<ColumnGrant>,
    /// For a partition: its parent table (rows reach it through the parent).
    pub partition_of: Option<ObjectName>,
    /// Sequences and functions that writing a row evaluates: `nextval()`
    /// defaults, functions in defaults, generated columns and CHECK
    /// constraints. Identity columns are not listed: they need no privilege
    /// on their sequence.
    pub uses: Vec<WriteDependency>,
    /// Destinations: what writing this table takes beyond its privileges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Boxed: a source's relations (most analyses) carry none, and a
    /// million-row catalog holds one `RelationAccess` per row.
    pub write: Option<Box<WriteFacts>>,
}

/// What a destination job's statements need of one table it writes
/// (`job.rs` says which statements those are).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteFacts {
    /// The conflict target an upsert names: the primary key's columns, else
    /// those of the first unique index without predicate or expression
    /// (either not DEFERRABLE: ON CONFLICT cannot use those);
    /// empty when the table has neither.
    #[serde(default)]
    pub key: Vec<String>,
    /// INSERT on every column the job writes (all but generated ones), by
    /// the table grant or column grants.
    pub insert_all: bool,
    /// UPDATE on every written column outside the key (an upsert's SET).
    pub update_all: bool,
    /// SELECT on every column the job writes: an upsert reads its key (the
    /// conflict target) and, through `EXCLUDED`, every column it sets.
    pub select_all: bool,
    /// A unique or exclusion constraint is DEFERRABLE: `ON CONFLICT DO
    /// NOTHING` refuses the table ("ON CONFLICT does not support deferrable
    /// unique constraints/exclusion constraints as arbiters"), and such a
    /// key is never the one an upsert names.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
    /// With a truncate: the tables that reference this one by foreign key,
    /// and whether the role may truncate each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced_by: Option<Vec<Referencing>>,
    /// Row level security, when it applies to the role: which permissive
    /// policies admit it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rls: Option<RlsPolicies>,
    /// User triggers that fire on writes (they run with the role's privileges).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<String>,
}

/// A table referencing a written one by foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referencing {
    pub schema: String,
    pub name: String,
    /// The role may truncate it (TRUNCATE ... CASCADE truncates it too).
    pub truncate: bool,
}

/// The policies of a table whose row level security applies to the role:
/// whether a permissive policy for each command admits it (a policy whose
/// expression is literally `false` admits nothing), and whether restrictive
/// policies apply (their expressions decide, row by row).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RlsPolicies {
    pub insert: bool,
    pub update: bool,
    pub select: bool,
    pub restrictive: bool,
    pub restrictive_rejects_insert: bool,
}

impl RelationAccess {
    pub fn has(&self, privilege: Privilege) -> bool {
        self.privileges.contains(&privilege)
    }

    pub fn column_grant(&self, privilege: Privilege) -> Option<&ColumnGrant> {
        self.column_privileges.iter().find(|c| c.privilege == privilege)
    }
}

/// A privilege held column by column (not on the table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnGrant {
    pub privilege: Privilege,
    /// Held on every current column (so statements naming all columns work).
    pub all_columns: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectName {
    pub schema: String,
    pub name: String,
}

/// Why writing a row evaluates an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UseVia {
    /// A column default (evaluated when the insert leaves the column out).
    Default,
    /// A generated column's expression (always evaluated).
    Generated,
    /// A CHECK constraint (always evaluated).
    Check,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsedObject {
    Sequence,
    Function,
}

/// One sequence or function a relation's writes depend on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WriteDependency {
    pub via: UseVia,
    /// The column (defaults, generated columns).
    pub column: Option<String>,
    /// The constraint (CHECK).
    pub constraint: Option<String>,
    pub object_type: UsedObject,
    pub schema: String,
    pub name: String,
    /// Functions only: `pg_get_function_identity_arguments`.
    pub identity_args: Option<String>,
    /// The role may use it: USAGE or UPDATE on a sequence (what `nextval`
    /// accepts), EXECUTE on a function.
    pub granted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceAccess {
    pub schema: String,
    pub name: String,
    pub privileges: Vec<Privilege>,
    /// The column that owns it, `schema.table.column` with each part quoted
    /// as needed (`"has.dot".t.id`), or null.
    pub owned_by: Option<String>,
    /// It backs an identity column (whose inserts need no privilege on it).
    pub identity: bool,
}

impl SequenceAccess {
    pub fn has(&self, privilege: Privilege) -> bool {
        self.privileges.contains(&privilege)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunctionKind {
    Function,
    Procedure,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionAccess {
    pub schema: String,
    pub name: String,
    pub identity_args: String,
    pub kind: FunctionKind,
    pub execute: bool,
}

/// A scope entry that matched nothing: a schema (`name` null) or a table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NotFound {
    pub schema: String,
    pub name: Option<String>,
}

impl Access {
    pub fn schema(&self, name: &str) -> Option<&SchemaAccess> {
        self.schemas.iter().find(|s| s.name == name)
    }

    pub fn relation(&self, schema: &str, name: &str) -> Option<&RelationAccess> {
        self.relations.iter().find(|r| r.schema == schema && r.name == name)
    }

    pub fn sequence(&self, schema: &str, name: &str) -> Option<&SequenceAccess> {
        self.sequences.iter().find(|s| s.schema == schema && s.name == name)
    }

    pub fn function(&self, schema: &str, name: &str, identity_args: &str) -> Option<&FunctionAccess> {
        self.functions
            .iter()
            .find(|f| f.schema == schema && f.name == name && f.identity_args == identity_args)
    }
}

/// Hand-built analyses for unit tests.
#[cfg(test)]
pub(crate) mod build {
    use super::*;

    pub fn access(role: &str) -> Access {
        Access { role: role.into(), database: "db".into(), ..Access::default() }
    }

    pub fn schema(name: &str, usage: bool, create: bool) -> SchemaAccess {
        SchemaAccess { name: name.into(), usage, create, complete: true }
    }

    pub fn relation(schema: &str, name: &str, kind: RelationKind, privileges: &[Privilege]) -> RelationAccess {
        RelationAccess {
            schema: schema.into(),
            name: name.into(),
            kind,
            privileges: privileges.to_vec(),
            rls: false,
            column_only: false,
            column_privileges: vec![],
            partition_of: None,
            uses: vec![],
            // Writable tables get what the analysis reads for a destination: a
            // key `id`, and per-column answers that follow the table grants.
            write: kind.is_writable_table().then(|| Box::new(WriteFacts {
                key: vec!["id".into()],
                insert_all: privileges.contains(&Privilege::Insert),
                update_all: privileges.contains(&Privilege::Update),
                select_all: privileges.contains(&Privilege::Select),
                ..WriteFacts::default()
            })),
        }
    }

    pub fn table(schema: &str, name: &str, privileges: &[Privilege]) -> RelationAccess {
        relation(schema, name, RelationKind::Table, privileges)
    }

    pub fn sequence(schema: &str, name: &str, privileges: &[Privilege]) -> SequenceAccess {
        SequenceAccess { schema: schema.into(), name: name.into(), privileges: privileges.to_vec(), owned_by: None, identity: false }
    }

    pub fn uses_sequence(column: &str, schema: &str, name: &str, granted: bool) -> WriteDependency {
        WriteDependency {
            via: UseVia::Default,
            column: Some(column.into()),
            constraint: None,
            object_type: UsedObject::Sequence,
            schema: schema.into(),
            name: name.into(),
            identity_args: None,
            granted,
        }
    }

    pub fn uses_function(via: UseVia, schema: &str, name: &str, args: &str, granted: bool) -> WriteDependency {
        WriteDependency {
            via,
            column: (via != UseVia::Check).then(|| "c".to_owned()),
            constraint: (via == UseVia::Check).then(|| "chk".to_owned()),
            object_type: UsedObject::Function,
            schema: schema.into(),
            name: name.into(),
            identity_args: Some(args.into()),
            granted,
        }
    }
}

/// A refusal one statement fixes.
#[derive(Debug, Clone)]
pub struct Fix {
    pub object_type: crate::access::ObjectType,
    pub name: String,
    pub missing: Vec<crate::access::Privilege>,
    pub statement: String,
}
