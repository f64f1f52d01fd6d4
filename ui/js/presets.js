// What the form shows for a provider beyond what Rust says of it: a
// tagline, placeholders, a few defaults to prefill and notes. Which
// providers exist, their names, what each requires (Neon's and Supabase's
// sslmode=require) and where verify-full finds its CA come from the
// vocabulary (crates/core/src/connection.rs Provider), and the provider of a
// pasted URL from parse_url: nothing here detects one. Pure data and small
// pure helpers (tested in tests/ui/presets-draft.test.js).

const GENERIC = {
  tagline: 'A Postgres-compatible server.',
  defaults: { port: '5432' },
  placeholders: { host: 'db.example.com', user: 'app_reader', dbname: 'postgres', url: 'postgresql://user@db.example.com:5432/app?sslmode=verify-full' },
  notes: [],
};

export const PRESETS = {
  postgres: {
    id: 'postgres',
    tagline: 'Any PostgreSQL server: self-hosted, in a container, or local.',
    defaults: { port: '5432' },
    placeholders: { host: 'db.example.com', user: 'app_reader', dbname: 'postgres', url: 'postgresql://user@db.example.com:5432/app?sslmode=verify-full' },
    notes: [],
  },
  neon: {
    id: 'neon',
    tagline: 'Serverless Postgres. TLS is mandatory; the endpoint is in the host name.',
    defaults: { port: '5432', dbname: 'neondb' },
    placeholders: {
      host: 'ep-cool-darkness-123456.us-east-2.aws.neon.tech',
      user: 'neondb_owner',
      dbname: 'neondb',
      url: 'postgresql://neondb_owner@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require',
    },
    notes: [
      { title: 'Host', text: 'Your endpoint host name, ep-<name>-<id>.<region>.aws.neon.tech (add -pooler after the endpoint id for the pooled endpoint). Neon routes by this name (TLS SNI), so an IP address will not work.' },
      { title: 'TLS', text: 'Neon refuses unencrypted connections. verify-full also works: Neon\u2019s certificates are signed by a public CA in the system store (sslrootcert=system).' },
      { title: 'Channel binding', text: 'Connection strings copied from Neon end in channel_binding=require: SCRAM login bound to the TLS session, so a man in the middle cannot relay it. Paste the whole URL to keep it.' },
    ],
  },
  supabase: {
    id: 'supabase',
    tagline: 'Postgres behind Supabase: the direct host, or the Supavisor pooler.',
    defaults: { port: '5432', dbname: 'postgres', user: 'postgres' },
    placeholders: {
      host: 'db.abcdefghijklmnopqrst.supabase.co',
      user: 'postgres',
      dbname: 'postgres',
      url: 'postgresql://postgres.abcdefghijklmnopqrst@aws-0-eu-central-1.pooler.supabase.com:6543/postgres?sslmode=require',
    },
    notes: [
      { title: 'Direct connection', text: 'db.<project-ref>.supabase.co on port 5432, user postgres. It resolves to IPv6 only: from an IPv4-only network use the pooler instead.' },
      { title: 'Pooler (Supavisor)', text: 'aws-0-<region>.pooler.supabase.com, user postgres.<project-ref>. Port 6543 is transaction mode (short statements, no session state); port 5432 is session mode (works like a direct connection, over IPv4).' },
    ],
  },
  rds: {
    id: 'rds',
    tagline: 'Amazon RDS and Aurora PostgreSQL, with a password or an IAM token.',
    defaults: { port: '5432', dbname: 'postgres' },
    placeholders: {
      host: 'mydb.abc123xyz.eu-west-1.rds.amazonaws.com',
      user: 'postgres',
      dbname: 'postgres',
      url: 'postgresql://postgres@mydb.abc123xyz.eu-west-1.rds.amazonaws.com:5432/postgres?sslmode=verify-full',
    },
    notes: [
      { title: 'IAM login', text: 'For an IAM token instead of a password, open \u201CPassword from a command\u201D and choose the AWS RDS / Aurora IAM preset: it fills the host, port, user and region.' },
    ],
  },
  azure: {
    id: 'azure',
    tagline: 'Azure Database for PostgreSQL (flexible server), with a password or Entra ID.',
    defaults: { port: '5432', dbname: 'postgres' },
    placeholders: {
      host: 'myserver.postgres.database.azure.com',
      user: 'myadmin',
      dbname: 'postgres',
      url: 'postgresql://myadmin@myserver.postgres.database.azure.com:5432/postgres?sslmode=verify-full',
    },
    notes: [
      { title: 'Entra ID', text: 'For an Entra ID token, open \u201CPassword from a command\u201D and choose the Azure Entra ID preset; the user is the Entra user or group name.' },
    ],
  },
  cloud_sql: {
    id: 'cloud_sql',
    tagline: 'Google Cloud SQL for PostgreSQL, by its IP or its DNS name.',
    defaults: { port: '5432', dbname: 'postgres' },
    placeholders: {
      host: '10.20.30.40 or my-instance.us-central1.sql.goog',
      user: 'postgres',
      dbname: 'postgres',
      url: 'postgresql://postgres@10.20.30.40:5432/postgres?sslmode=verify-ca',
    },
    notes: [
      { title: 'Host name', text: 'Cloud SQL\u2019s public address is an IP: its certificate names the instance, not the IP, so verify-ca is the strictest mode that works there; verify-full needs the instance\u2019s DNS name.' },
    ],
  },
  other: {
    id: 'other',
    tagline: 'A Postgres-compatible server: a proxy, a fork, an embedded server.',
    defaults: GENERIC.defaults,
    placeholders: GENERIC.placeholders,
    notes: [],
  },
};

/** The form's extras for provider `id` (any provider the vocabulary names; a generic set otherwise). */
export function preset(id) {
  return PRESETS[id] || { id, ...GENERIC };
}

export const SUPABASE_MODES = [
  { value: 'direct', label: 'Direct (IPv6)', port: '5432' },
  { value: 'transaction', label: 'Pooler, transaction mode (6543)', port: '6543' },
  { value: 'session', label: 'Pooler, session mode (5432)', port: '5432' },
];

/** Host, port and user for a Supabase project; null parts when inputs are missing. */
export function supabaseFields({ ref, region, mode = 'direct' }) {
  const r = String(ref || '').trim().toLowerCase();
  const reg = String(region || '').trim().toLowerCase();
  if (mode === 'direct') {
    return { host: r ? `db.${r}.supabase.co` : null, port: '5432', user: 'postgres' };
  }
  const m = SUPABASE_MODES.find((x) => x.value === mode) || SUPABASE_MODES[1];
  return {
    host: reg ? `aws-0-${reg}.pooler.supabase.com` : null,
    port: m.port,
    user: r ? `postgres.${r}` : null,
  };
}

/**
 * The project ref, region and connection type a Supabase connection's
 * host, port and user name (the inverse of supabaseFields), to prefill the
 * "Fill from your project" helper from a pasted URL; null parts unknown.
 */
export function supabaseProject({ host, port, user } = {}) {
  const h = String(host || '').trim().toLowerCase();
  const direct = /^db\.([a-z0-9]+)\.supabase\.co$/.exec(h);
  if (direct) return { ref: direct[1], region: null, mode: 'direct' };
  const pooler = /^aws-\d+-([a-z0-9-]+)\.pooler\.supabase\.com$/.exec(h);
  const ref = /^postgres\.([a-z0-9]+)$/.exec(String(user || '').trim().toLowerCase());
  if (pooler) return { ref: ref ? ref[1] : null, region: pooler[1], mode: String(port || '') === '6543' ? 'transaction' : 'session' };
  return { ref: ref ? ref[1] : null, region: null, mode: null };
}

/** Presets only fill what is empty: they never overwrite what the user typed. */
export function applyDefaults(fields, id) {
  const out = { ...fields };
  for (const [k, v] of Object.entries(preset(id).defaults)) if (out[k] == null || out[k] === '') out[k] = v;
  return out;
}

/** Reads `-c search_path=...` (or --search_path=) out of libpq `options`. */
export function searchPathOf(options) {
  const m = /(?:^|\s)(?:-c\s*|--)search_path=((?:\\ |[^\s])*)/.exec(options || '');
  return m ? m[1].replace(/\\ /g, ' ') : '';
}

/** Sets (or removes, when empty) the search_path in libpq `options`, keeping the rest. */
export function withSearchPath(options, searchPath) {
  const rest = String(options || '')
    .replace(/(?:^|\s)(?:-c\s*|--)search_path=(?:\\ |[^\s])*/g, '')
    .trim();
  const sp = String(searchPath || '').trim().replace(/\s*,\s*/g, ',').replace(/ /g, '\\ ');
  const parts = [rest, sp ? `-c search_path=${sp}` : ''].filter(Boolean);
  return parts.join(' ');
}
