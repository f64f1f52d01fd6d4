// CSV export (RFC 4180): fields with a comma, quote, CR or LF are quoted and
// quotes doubled; rows end with CRLF. Cells that a spreadsheet would run as a
// formula (=, +, -, @, tab, CR at the start) are prefixed with a single quote,
// because table names come from the database and may be hostile.

const FORMULA_START = /^[=+\-@\t\r]/;

export function escapeCell(value, { neutralizeFormulas = true } = {}) {
  let s = value == null ? '' : String(value);
  if (neutralizeFormulas && FORMULA_START.test(s)) s = `'${s}`;
  if (/[",\r\n]/.test(s) || /^\s|\s$/.test(s)) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

/**
 * columns: [{ label, value: (row) => any }]; rows: any[].
 * Returns the CSV text with a header line.
 */
export function toCsv(columns, rows, options) {
  const lines = [columns.map((c) => escapeCell(c.label, options)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => escapeCell(c.value(row), options)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A file name that is safe on every OS: "sluice-prod-db-tables.csv". */
export function csvFileName(...parts) {
  const base = parts
    .filter(Boolean)
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return `${base || 'export'}.csv`;
}

/** Starts a download of `text` (browser only): a Blob and an <a download>. */
export function downloadText(text, fileName, type = 'text/csv;charset=utf-8') {
  // The BOM makes spreadsheet programs read the file as UTF-8.
  const blob = new Blob(['\ufeff', text], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
