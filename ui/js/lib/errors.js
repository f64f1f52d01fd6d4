// Normalizes whatever a rejected invoke gives us ({kind, message, hint?,
// issues?, position?}, a string, or an Error) into one shape for the views.

export function normalizeError(err) {
  if (err == null) return { kind: 'internal', message: 'Unknown error' };
  if (typeof err === 'string') return { kind: 'internal', message: err };
  if (err instanceof Error) return { kind: 'internal', message: err.message };
  if (typeof err === 'object') {
    return {
      ...err,
      kind: err.kind || 'internal',
      message: err.message != null ? String(err.message) : JSON.stringify(err),
    };
  }
  return { kind: 'internal', message: String(err) };
}
