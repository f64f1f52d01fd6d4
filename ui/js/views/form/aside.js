// Beside the form: Test connection (components/test-panel.js) on what the
// form holds (the saved connection by id while nothing changed), and the
// permissions it found, opened on request ("View permissions"): a test
// never covers the stepper with a dialog by itself.
import { h } from '../../lib/dom.js';
import { schemasOf } from '../../lib/schemas.js';
import { jobTitle } from '../../lib/vocabulary.js';
import { createTestPanel } from '../../components/test-panel.js';
import { openPermissionsDialog } from '../../components/permissions-dialog.js';

/** -> { el, panel } ; onSchemas(names) when a test lists the database's schemas */
export function createAside(ctx, { onSchemas, focusUrl }) {
  const permissions = (report) => openPermissionsDialog({ report, name: ctx.st.name, host: ctx.sync.params.host, vocabulary: ctx.vocab });
  const panel = createTestPanel({
    stages: ctx.vocab.stages || [],
    appVersion: () => ctx.app.version,
    prepare: () => prepareTest(ctx, focusUrl),
    onFinished: (report) => {
      if (report && report.access) onSchemas(schemasOf(report.access));
    },
    onPermissions: permissions,
  });
  const titleId = `${ctx.uid}-aside`;
  const jobs = (ctx.vocab.jobs || []).map((j) => jobTitle(ctx.vocab, j.value).toLowerCase());
  const el = h('aside', { class: 'form-aside', 'aria-labelledby': titleId },
    h('h2', { class: 'aside-title', id: titleId, text: 'Test connection' }),
    h('p', { class: 'aside-hint' }, `Runs each stage on one real connection and checks what the login can do for the job${jobs.length ? ` (${jobs.join(' or ')})` : ''}. `, h('kbd', { text: 'Ctrl' }), '+', h('kbd', { text: 'Enter' })),
    panel.el);
  return { el, panel };
}

async function prepareTest(ctx, focusUrl) {
  const { st, connection } = ctx;
  await ctx.sync.flush();
  if (st.mode === 'url' && st.parseError) {
    focusUrl();
    throw { kind: 'invalid_input', message: st.parseError.message, hint: 'Fix the URL (the marked character) and test again.' };
  }
  const d = ctx.draft();
  const unchanged = ctx.editing && !st.dirty;
  const hops = d.ssh ? d.ssh.hops.length : unchanged && connection.ssh ? connection.ssh.hops.length : 0;
  return {
    target: unchanged ? { id: st.id } : { draft: d },
    job: st.job,
    jobOptions: d.job_options,
    info: { params: d.params, name: st.name, provider: st.provider, sshHops: hops, secrets: [d.password, st.passphrase, st.pem.key, d.ssh_password, d.ssh_passphrase, d.ssh_key].filter(Boolean) },
  };
}
