// The form's footer and what it does: Save (validated first; without the
// secrets when the keyring is unavailable, after asking; after asking when
// the saved password will not be kept), Cancel and Back (asking before
// unsaved changes are lost), and Copy as URL.
import { h, replace } from '../../lib/dom.js';
import { confirmDialog } from '../../components/dialog.js';
import { toast } from '../../components/live.js';

/** -> { el (the footer), saveBtn, blockers, formError, save } ; sets ctx.leave */
export function createActions(ctx, { focusField }) {
  const saveBtn = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'save-button', text: ctx.editing ? 'Save changes' : 'Save connection' });
  const cancelBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'cancel-form', text: 'Cancel', on: { click: () => ctx.leave() } });
  const includePw = h('input', { type: 'checkbox', 'data-testid': 'include-password' });
  const copyUrlBtn = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'copy-url', text: 'Copy as URL', on: { click: () => copyUrl(ctx, includePw.checked) } });
  const blockers = h('p', { class: 'save-blockers', 'data-testid': 'save-blockers', id: `${ctx.uid}-blockers` });
  saveBtn.setAttribute('aria-describedby', blockers.id);
  const formError = h('div', { class: 'form-error', 'data-testid': 'form-error', role: 'alert', hidden: true });
  const el = h('div', { class: 'form-footer' },
    h('div', { class: 'footer-main' }, saveBtn, cancelBtn),
    h('div', { class: 'footer-copy' }, copyUrlBtn, h('label', { class: 'check' }, includePw, 'include password')));
  ctx.leave = async (to = 'list') => {
    if (ctx.st.dirty && !(await confirmDialog({ title: 'Discard changes?', message: 'This connection has unsaved changes.', confirmLabel: 'Discard', danger: true, testid: 'discard-dialog' }))) return;
    ctx.app.navigate(to);
  };
  const save = (withoutSecrets) => saveConnection(ctx, { withoutSecrets, focusField, formError });
  return { el, saveBtn, blockers, formError, save };
}

async function saveConnection(ctx, { withoutSecrets, focusField, formError }) {
  const { st, app } = ctx;
  st.showAll = true;
  await ctx.sync.flush();
  await ctx.validator.now();
  const errs = ctx.validator.errors();
  if (errs.length) return focusField(errs[0].field);
  const d = ctx.draft();
  const hasSecret = !!(d.password || d.client_key_pem || d.client_key_passphrase || d.ssh_password || d.ssh_passphrase || d.ssh_key);
  if (!withoutSecrets && hasSecret && app.keyring && app.keyring.available === false) {
    if (await offerWithoutSecrets(app.keyring)) return saveConnection(ctx, { withoutSecrets: true, focusField, formError });
    return undefined;
  }
  // The backend says when the saved password no longer belongs to the server named here.
  const moved = st.issues.find((i) => i.field === 'password' && i.severity === 'warning');
  if (moved && !d.password && !(await confirmDialog({
    title: 'The saved password will not be kept',
    message: [moved.message, 'Save without it, or cancel and type the password for this server.'],
    confirmLabel: 'Save without password',
    testid: 'password-moved-dialog',
  }))) return focusField('password');
  st.saving = true;
  ctx.validator.updateSave();
  try {
    const saved = await ctx.api.saveConnection(d, !!withoutSecrets);
    st.dirty = false;
    toast(withoutSecrets ? `Saved \u201C${saved.name}\u201D without its password` : `Saved \u201C${saved.name}\u201D`);
    app.navigate('list', { highlight: saved.id });
  } catch (err) {
    st.saving = false;
    ctx.validator.updateSave();
    await saveFailed(ctx, err, { focusField, formError });
  }
  return undefined;
}

async function saveFailed(ctx, err, { focusField, formError }) {
  const { st } = ctx;
  if (err.kind === 'keyring_unavailable') {
    ctx.app.setKeyring({ available: false, message: err.message, hint: err.hint });
    if (await offerWithoutSecrets(err)) saveConnection(ctx, { withoutSecrets: true, focusField, formError });
  } else if (Array.isArray(err.issues) && err.issues.length) {
    st.issues = err.issues;
    ctx.validator.render();
  } else if (err.kind === 'duplicate_name') {
    st.issues = [{ field: 'name', severity: 'error', message: err.message }];
    ctx.validator.render();
    focusField('name');
  } else {
    replace(formError, h('p', { text: `Could not save: ${err.message}` }), err.hint ? h('p', { class: 'hint', text: err.hint }) : null);
    formError.hidden = false;
  }
}

function offerWithoutSecrets(err) {
  return confirmDialog({
    title: 'The password cannot be saved',
    message: [
      err.message || 'The system keyring is not available.',
      err.hint || 'Start or unlock your keyring (GNOME Keyring, KWallet or KeePassXC with Secret Service), then save again.',
      'You can save the connection without its password now, and type the password in the form whenever you test it.',
    ],
    confirmLabel: 'Save without password',
    testid: 'keyring-save-dialog',
  });
}

async function copyUrl(ctx, withPassword) {
  await ctx.sync.flush();
  try {
    const url = await ctx.api.formatUrl(ctx.sync.params, withPassword ? ctx.password() : null);
    const ok = await ctx.api.copyText(url);
    toast(ok ? (withPassword ? 'URL copied, with the password' : 'URL copied (without the password)') : 'Could not use the clipboard', { kind: ok ? 'info' : 'error' });
  } catch (err) {
    toast(`Could not build the URL: ${err.message}`, { kind: 'error' });
  }
}
