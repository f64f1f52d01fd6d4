// Reading the `vocabulary` command's reply (src-tauri/src/models.rs
// Vocabulary): the jobs, their options, the providers and the stages of a
// test come from Rust's one definition (crates/core/src/job.rs,
// connection.rs, outcome.rs), never from a list written here. Pure, so node
// tests cover it.

/** The vocabulary before the reply arrives (or when it failed): nothing to offer. */
export const EMPTY_VOCABULARY = Object.freeze({ keywords: [], sslmodes: [], jobs: [], job_options: [], providers: [], ssh_auth: [], password_presets: [], stages: [] });

/**
 * A job's label split for a two-line choice: "Source (the job reads from it)"
 * -> { title: "Source", hint: "the job reads from it" }.
 */
export function splitLabel(label) {
  const m = /^(.*?)\s*\((.*)\)$/.exec(String(label || ''));
  return m ? { title: m[1], hint: m[2] } : { title: String(label || ''), hint: '' };
}

/** The job `value` of the vocabulary, or a stand-in naming the value. */
export function jobOf(vocabulary, value) {
  const found = ((vocabulary && vocabulary.jobs) || []).find((j) => j.value === value);
  return found || { value, label: String(value || '') };
}

/** The short name of a job ("Source"), as the list's badge shows it. */
export function jobTitle(vocabulary, value) {
  return splitLabel(jobOf(vocabulary, value).label).title || String(value || '');
}

/** The options of `job`, in the order the vocabulary gives them. */
export function optionsOf(vocabulary, job) {
  return ((vocabulary && vocabulary.job_options) || []).filter((o) => o.job === job);
}

/** An option's value when it is not set: off, the first choice, or no name. */
export function optionDefault(def) {
  if (def.type === 'flag') return false;
  if (def.type === 'choice') return def.values && def.values.length ? def.values[0][0] : '';
  return '';
}

/**
 * The job_options object for a draft: only the options of `job` (the other
 * job's are not sent), an option whose `requires` flag is off left out, and
 * only what differs from its default (Rust fills the rest).
 */
export function jobOptionsFor(defs, job, values = {}) {
  const out = {};
  for (const d of defs || []) {
    if (d.job !== job) continue;
    if (d.requires && !values[d.requires]) continue;
    const v = values[d.name];
    if (d.type === 'flag') {
      if (v) out[d.name] = true;
    } else if (d.type === 'choice') {
      if (v != null && v !== '' && v !== optionDefault(d)) out[d.name] = String(v);
    } else {
      const s = v == null ? '' : String(v).trim();
      if (s) out[d.name] = s;
    }
  }
  return out;
}

/** Words for the options that are on, e.g. "truncate · on_conflict=update" (for a one-line summary). */
export function optionWords(defs, job, values = {}) {
  const set = jobOptionsFor(defs, job, values);
  return (defs || []).filter((d) => d.name in set).map((d) => (d.type === 'flag' ? d.label : `${d.label}: ${choiceLabel(d, set[d.name])}`));
}

function choiceLabel(def, value) {
  const found = (def.values || []).find(([v]) => v === value);
  return found ? found[1] : value;
}

/** The provider `value` of the vocabulary: {value, label, required, ca_bundle}. */
export function providerOf(vocabulary, value) {
  const found = ((vocabulary && vocabulary.providers) || []).find((p) => p.value === value);
  return found || { value, label: value ? String(value) : 'Postgres', required: [], ca_bundle: null };
}

/** Labels by provider, for search and for the list. */
export function providerLabels(vocabulary) {
  return Object.fromEntries(((vocabulary && vocabulary.providers) || []).map((p) => [p.value, p.label]));
}

/** What `provider` requires and `params` lacks, as [keyword, value] pairs. */
export function missingRequired(vocabulary, provider, params = {}) {
  return providerOf(vocabulary, provider).required.filter(([k]) => params[k] == null || params[k] === '');
}
