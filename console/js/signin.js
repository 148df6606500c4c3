// The sign-in page: a token is exchanged for the session cookie (POST /v1/session) and
// then forgotten; it is never written to localStorage or anywhere else.
import { h, mount } from './dom.js';
import { t } from './i18n.js';
import { signIn, ApiError } from './api.js';

// `notice`: why the page is here (the session ended), said in the form's alert.
export function renderSignIn(main, { onSignedIn, notice = '' }) {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const message = h('p', { class: 'error', role: 'alert', id: 'signin-error' });
  message.textContent = notice;
  const button = h('button', { type: 'submit', class: 'primary', text: t('sign_in') });
  const form = h('form', { class: 'panel signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title', text: t('sign_in_title') }),
    h('p', { class: 'muted', text: t('sign_in_help') }),
    h('label', { for: 'token', text: t('token') }),
    input,
    message,
    button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    message.textContent = '';
    button.disabled = true;
    const token = input.value.trim();
    input.value = '';
    try {
      await signIn(token);
      await onSignedIn();
    } catch (error) {
      const refused = error instanceof ApiError && error.status === 401;
      message.textContent = refused ? t('sign_in_refused') : t('error_generic', { message: error.message });
      button.disabled = false;
      input.focus();
    }
  });
  mount(main, form);
  input.focus();
}
