// The schema scope of a connection, DOM-free: which schemas the picker
// offers, from the last test's analysis and what is already chosen.

/** Every schema name a test's `access` knows: those analysed and the others. */
export function schemasOf(access) {
  if (!access) return [];
  const names = [...(access.schemas || []).map((s) => s.name), ...(access.other_schemas || [])];
  return [...new Set(names)];
}

/** The names to offer: what the database has, plus what is chosen, sorted. */
export function schemaChoices(available, selected) {
  return [...new Set([...(available || []), ...(selected || [])])].sort((a, b) => a.localeCompare(b, 'en'));
}
