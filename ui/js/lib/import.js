// Pure helpers of the import and export dialogs.

/** The formats the backend reads, with their labels. */
export const FORMAT_LABELS = {
  pgpass: 'libpq password file (.pgpass)',
  service: 'libpq service file (pg_service.conf)',
  env: 'PG* environment variables',
  dotenv: '.env file',
  pgadmin: 'pgAdmin 4 servers.json',
  dbeaver: 'DBeaver data-sources.json',
  json: 'Sluice export (JSON)',
};

/** The export formats, with their labels and a default file name. */
export const EXPORT_FORMATS = {
  json: { label: 'Sluice (JSON)', file: 'sluice-connections.json' },
  pgadmin: { label: 'pgAdmin 4 (servers.json)', file: 'servers.json' },
  service: { label: 'libpq service file (pg_service.conf)', file: 'pg_service.conf' },
  urls: { label: 'URLs, one per line', file: 'connections.txt' },
};

/** A format guessed from a file name, or null. */
export function formatFromPath(path) {
  const name = String(path || '').split(/[\\/]/).pop().toLowerCase();
  if (name === '.pgpass' || name === 'pgpass.conf' || name === 'pgpass') return 'pgpass';
  if (name.endsWith('pg_service.conf') || name === '.pg_service.conf') return 'service';
  if (name === '.env' || name.startsWith('.env.') || name.endsWith('.env')) return 'dotenv';
  if (name === 'servers.json') return 'pgadmin';
  if (name.startsWith('data-sources') && name.endsWith('.json')) return 'dbeaver';
  if (name.endsWith('.json')) return 'json';
  return null;
}
