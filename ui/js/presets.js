// Provider presets: what each one prefills and what the form explains.
// Pure data and small pure helpers (tested in tests/ui/presets-draft.test.js).
// The SSL modes and their explanations come from Rust (the vocabulary command).

export const PROVIDER_IDS = ['postgres', 'neon', 'supabase'];

export const PRESETS = {
  postgres: {
    id: 'postgres',
    label: 'Postgres',
    tagline: 'Any PostgreSQL server: self-hosted, RDS, Cloud SQL, Azure, or local.',
    defaults: { port: '5432' },
    placeholders: { host: 'db.example.com', user: 'app_reader', dbname: 'postgres', url: 'postgresql://user@db.example.com:5432/app?sslmode=verify-full' },
    notes: [],
  },
  neon: {
    id: 'neon',
    label: 'Neon',
    tagline: 'Serverless Postgres. TLS is mandatory; the endpoint is in the host name.',
    defaults: { port: '5432', sslmode: 'require', dbname: 'neondb' },
    placeholders: {
      host: 'ep-cool-darkness-123456.us-east-2.aws.neon.tech',
      user: 'neondb_owner',
      dbname: 'neondb',
      url: 'postgresql://neondb_owner@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require',
    },
    notes: [
      { title: 'Host', text: 'Your endpoint host name, ep-<name>-<id>.<region>.aws.neon.tech (add -pooler after the endpoint id for the pooled endpoint). Neon routes by this name (TLS SNI), so an IP address will not work.' },
      { title: 'TLS', text: 'sslmode=require is set for you; Neon refuses unencrypted connections. verify-full also works: Neon\u2019s certificates are signed by a public CA in the system store.' },
      { title: 'Channel binding', text: 'Connection strings copied from Neon end in channel_binding=require: SCRAM login bound to the TLS session, so a man in the middle cannot relay it. Paste the whole URL to keep it.' },
    ],
  },
  supabase: {
    id: 'supabase',
    label: 'Supabase',
    tagline: 'Postgres behind Supabase: the direct host, or the Supavisor pooler.',
    defaults: { port: '5432', sslmode: 'require', dbname: 'postgres', user: 'postgres' },
    placeholders: {
      host: 'db.abcdefghijklmnopqrst.supabase.co',
      user: 'postgres',
      dbname: 'postgres',
      url: 'postgresql://postgres.abcdefghijklmnopqrst@aws-0-eu-central-1.pooler.supabase.com:6543/postgres?sslmode=require',
    },
    notes: [
      { title: 'Direct connection', text: 'db.<project-ref>.supabase.co on port 5432, user postgres. It resolves to IPv6 only: from an IPv4-only network use the pooler instead.' },
      { title: 'Pooler (Supavisor)', text: 'aws-0-<region>.pooler.supabase.com, user postgres.<project-ref>. Port 6543 is transaction mode (short statements, no session state); port 5432 is session mode (works like a direct connection, over IPv4).' },
      { title: 'TLS', text: 'sslmode=require is set for you. For verify-full, download the CA certificate from the project\u2019s database settings and give it as the root certificate.' },
    ],
  },
};

export function preset(id) {
  return PRESETS[id] || PRESETS.postgres;
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

/** The provider a host most likely belongs to (for pasted URLs). */
export function guessProvider(host) {
  const h = String(host || '').toLowerCase();
  if (/\.neon\.tech$/.test(h)) return 'neon';
  if (/\.supabase\.(co|com)$/.test(h)) return 'supabase';
  return 'postgres';
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
