// The demo dashboard: plain DOM over the REST contract (README "The REST contract"), as the real dashboard calls it.
// Only /demo/config and /demo/sign-in belong to the demo host: how this host hands its page the JWT and its settings.

const JWT_KEY = 'aurareels_demo_jwt';
const POLL_MS = 1500;

const $ = (sel) => document.querySelector(sel);

/** The host's settings (API base, platforms, video jobs, quotas). */
let config;
let jwt = localStorage.getItem(JWT_KEY);
let accounts = [];
let posts = [];
/** Each post's last seen status, to announce changes once. */
const seenStatus = new Map();
let pollTimer = null;

class ApiError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** One call to the contract: Bearer JWT, JSON both ways, WordPress-shaped errors turned into ApiError. */
async function api(path, { method = 'GET', body } = {}) {
  const res = await fetch(`${config.api}${path}`, {
    method,
    headers: { Authorization: `Bearer ${jwt}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok || json.success === false) {
    if (res.status === 401) signOut('Your session ended; sign in again.');
    const params = json.data?.params ? Object.entries(json.data.params).map(([k, v]) => `${k}: ${v}`).join('; ') : '';
    throw new ApiError(`${json.message || `The server answered ${res.status}.`}${params ? ` (${params})` : ''}`, res.status, json);
  }
  return json;
}

/** API times are UTC `YYYY-MM-DD HH:mm:ss`; shown in the visitor's own time. */
function localTime(apiTime) {
  if (!apiTime) return '';
  return new Date(`${apiTime.replace(' ', 'T')}Z`).toLocaleString();
}

function platformName(id) {
  return config.platforms.find((p) => p.id === id)?.name ?? id;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'onclick') node.addEventListener('click', v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function notice(text, kind = 'info') {
  const box = $('#notice');
  box.className = kind;
  box.textContent = text;
}

/** Re-rendering a table must not throw the keyboard user's focus away: refocus the control with the same key. */
function keepingFocus(render) {
  const key = document.activeElement?.dataset?.focusKey;
  render();
  if (key) document.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus();
}

// ---- signing in ---------------------------------------------------------------------------------------------

async function signIn() {
  const res = await fetch('/demo/sign-in', { method: 'POST' });
  if (!res.ok) return notice('The demo server did not sign you in.', 'error');
  ({ jwt } = await res.json());
  localStorage.setItem(JWT_KEY, jwt);
  notice('Signed in as the demo user.');
  await showDashboard();
  $('#connect-buttons button')?.focus();
}

function signOut(message) {
  jwt = null;
  localStorage.removeItem(JWT_KEY);
  clearTimeout(pollTimer);
  for (const id of ['#session', '#accounts-section', '#compose-section', '#posts-section']) $(id).hidden = true;
  $('#sign-in').hidden = false;
  if (message) notice(message);
}

// ---- accounts -----------------------------------------------------------------------------------------------

async function connect(platform) {
  try {
    const { auth_url } = await api(`/accounts/connect/${platform}`, { method: 'POST' });
    const url = new URL(auth_url);
    if (config.simulator_consent_pages) url.searchParams.set('sim_page', '1');
    // The answer also set the flow's cookie in this browser; the callback needs this same browser.
    window.location.assign(url);
  } catch (e) {
    notice(`Could not start connecting ${platformName(platform)}: ${e.message}`, 'error');
  }
}

async function disconnect(account) {
  if (!confirm(`Disconnect ${account.account_name}? Its scheduled posts are cancelled.`)) return;
  try {
    await api(`/accounts/${account.id}`, { method: 'DELETE' });
    notice(`${account.account_name} (${platformName(account.platform)}) disconnected.`);
    await refresh();
  } catch (e) {
    notice(`Could not disconnect: ${e.message}`, 'error');
  }
}

/** Posts that count against an account's quota: published in the last 24 hours, or being published now. */
function quotaUsed(account) {
  const since = Date.now() - 24 * 60 * 60 * 1000;
  return posts.filter((p) => p.social_account_id === account.id
    && (p.status === 'publishing' || (p.status === 'published' && new Date(`${p.published_at.replace(' ', 'T')}Z`).getTime() > since))).length;
}

function renderAccounts() {
  const body = $('#accounts tbody');
  body.replaceChildren(...accounts.map((a) => {
    const limit = config.quotas[a.platform];
    const used = quotaUsed(a);
    const state = a.is_active
      ? el('span', { class: 'state ok', text: 'Active' })
      : el('span', { class: 'state bad', text: `Needs reconnecting${a.status_reason ? `: ${a.status_reason}` : ''}` });
    return el('tr', { 'data-account-id': a.id, 'data-platform': a.platform },
      el('td', { text: platformName(a.platform) }),
      el('td', {}, el('strong', { text: a.account_name }), a.account_username ? el('span', { class: 'muted', text: ` ${a.account_username}` }) : null),
      el('td', {}, state, a.reconnect_warning ? el('div', { class: 'warning', text: a.reconnect_warning }) : null),
      el('td', { class: 'quota', text: limit ? `${used} of ${limit} (${Math.max(0, limit - used)} left)` : `${used}` }),
      el('td', {},
        a.is_active ? null : el('button', { type: 'button', 'data-focus-key': `reconnect-${a.id}`, text: 'Reconnect', onclick: () => connect(a.platform) }),
        el('button', { type: 'button', class: 'secondary', 'data-focus-key': `disconnect-${a.id}`, 'aria-label': `Disconnect ${a.account_name} (${platformName(a.platform)})`, text: 'Disconnect', onclick: () => disconnect(a) })),
    );
  }));
  $('#accounts').hidden = accounts.length === 0;
  $('#no-accounts').hidden = accounts.length > 0;

  // The form's account choices: active accounts only, keeping what the user ticked.
  const box = $('#account-choices');
  const ticked = new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
  const fresh = box.dataset.rendered === undefined;
  box.querySelectorAll('label.choice').forEach((n) => n.remove());
  const active = accounts.filter((a) => a.is_active);
  for (const a of active) {
    const input = el('input', { type: 'checkbox', name: 'accounts', value: String(a.id), checked: fresh || ticked.has(String(a.id)) || !box.dataset.rendered.split(',').includes(String(a.id)) });
    box.append(el('label', { class: 'choice' }, input, ` ${platformName(a.platform)}: ${a.account_name}${a.account_username ? ` (${a.account_username})` : ''}`));
  }
  box.dataset.rendered = active.map((a) => a.id).join(',');
  $('#account-choices-empty').hidden = active.length > 0;
}

// ---- posts --------------------------------------------------------------------------------------------------

function postTime(p) {
  const planned = p.scheduled_at ? `Scheduled for ${localTime(p.scheduled_at)}` : `Created ${localTime(p.created_at)}`;
  if (p.status === 'published') return p.scheduled_at ? `${planned}, published ${localTime(p.published_at)}` : `Published ${localTime(p.published_at)}`;
  return planned;
}

async function postAction(p, action) {
  try {
    if (action === 'retry') await api(`/posts/${p.id}/retry`, { method: 'POST' });
    else await api(`/posts/${p.id}`, { method: 'DELETE' });
    notice(action === 'retry' ? `Post ${p.id} is being published again.` : `Post ${p.id} cancelled.`);
    await refresh();
  } catch (e) {
    notice(`Post ${p.id}: ${e.message}`, 'error');
  }
}

function renderPosts() {
  $('#posts tbody').replaceChildren(...posts.map((p) => el('tr', { 'data-post-id': p.id, 'data-status': p.status },
    el('td', { text: String(p.id) }),
    el('td', { text: platformName(p.platform) }),
    el('td', { text: p.account_name ?? '' }),
    el('td', {}, el('span', { class: `status status-${p.status}`, text: p.status })),
    el('td', { text: postTime(p) }),
    el('td', { class: 'message' },
      p.error_message ? el('span', { text: p.error_message }) : null,
      p.platform_post_url ? el('a', { href: p.platform_post_url, target: '_blank', rel: 'noopener', text: 'View on the platform' }) : null),
    el('td', {},
      p.status === 'failed' ? el('button', { type: 'button', 'data-focus-key': `retry-${p.id}`, 'aria-label': `Retry post ${p.id}`, text: 'Retry', onclick: () => postAction(p, 'retry') }) : null,
      p.status === 'scheduled' ? el('button', { type: 'button', class: 'secondary', 'data-focus-key': `cancel-${p.id}`, 'aria-label': `Cancel post ${p.id}`, text: 'Cancel', onclick: () => postAction(p, 'cancel') }) : null),
  )));
  $('#posts').hidden = posts.length === 0;
  $('#no-posts').hidden = posts.length > 0;
}

/** Say each status change once, through the live region, with the platform's message when it failed. */
function announceChanges() {
  const lines = [];
  for (const p of posts) {
    const before = seenStatus.get(p.id);
    if (before !== undefined && before !== p.status) {
      lines.push(`Post ${p.id} to ${platformName(p.platform)}: ${p.status}${p.status === 'failed' && p.error_message ? `. ${p.error_message}` : ''}`);
    }
    seenStatus.set(p.id, p.status);
  }
  if (lines.length) $('#post-updates').textContent = lines.join('. ');
}

// ---- refreshing ---------------------------------------------------------------------------------------------

let lastAccounts = '';
let lastPosts = '';

async function refresh() {
  const [a, p] = await Promise.all([api('/accounts'), api('/posts?limit=100')]);
  const accountsJson = JSON.stringify(a.accounts);
  const postsJson = JSON.stringify(p.posts);
  if (accountsJson === lastAccounts && postsJson === lastPosts) return;
  accounts = a.accounts;
  posts = p.posts;
  lastAccounts = accountsJson;
  lastPosts = postsJson;
  keepingFocus(() => {
    renderAccounts();
    renderPosts();
  });
  announceChanges();
}

/** The event stream does not exist yet: poll, one request pair at a time. */
function poll() {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(async () => {
    if (!jwt) return;
    try {
      await refresh();
    } catch {
      // A failed poll is tried again at the next tick; a 401 has already signed out.
    }
    if (jwt) poll();
  }, POLL_MS);
}

// ---- the publish form ---------------------------------------------------------------------------------------

function whenLater() {
  return document.querySelector('input[name="when"]:checked').value === 'later';
}

function updateWhen() {
  const later = whenLater();
  const at = $('#scheduled-at');
  at.disabled = !later;
  if (later && !at.value) {
    // A minute from now, in the input's local format.
    const d = new Date(Date.now() + 60_000);
    d.setMilliseconds(0);
    at.value = new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
  }
  $('#submit').textContent = later ? 'Schedule' : 'Publish now';
}

async function submit(event) {
  event.preventDefault();
  const form = event.target;
  const error = $('#form-error');
  error.textContent = '';
  const chosen = [...form.querySelectorAll('input[name="accounts"]:checked')].map((i) => Number(i.value));
  if (chosen.length === 0) {
    error.textContent = 'Choose at least one account to post to.';
    return;
  }
  const body = {
    video_job_id: form.video_job_id.value,
    accounts: chosen,
    caption: form.caption.value,
    hashtags: form.hashtags.value.split(/[\s,]+/).filter(Boolean).map((t) => (t.startsWith('#') ? t : `#${t}`)),
    privacy_level: form.privacy_level.value,
  };
  const later = whenLater();
  if (later) {
    const at = new Date(form.scheduled_at.value);
    if (Number.isNaN(at.getTime())) {
      error.textContent = 'Choose the date and time to publish at.';
      form.scheduled_at.focus();
      return;
    }
    body.scheduled_at = at.toISOString();
  }
  const button = $('#submit');
  button.disabled = true;
  try {
    const res = await api(later ? '/schedule' : '/publish', { method: 'POST', body });
    const names = res.posts.map((p) => `${platformName(p.platform)} (post ${p.id})`).join(' and ');
    notice(later ? `Scheduled to ${names} for ${localTime(res.posts[0].scheduled_at)}.` : `Publishing to ${names}.`);
    await refresh();
  } catch (e) {
    error.textContent = e.message;
  } finally {
    button.disabled = false;
  }
}

// ---- start --------------------------------------------------------------------------------------------------

/** Where the OAuth callback sends the browser back: `?status=success|error&platform=…&message=…`. */
function showConnectOutcome() {
  const q = new URLSearchParams(window.location.search);
  const status = q.get('status');
  if (!status) return;
  const platform = platformName(q.get('platform') ?? '');
  if (status === 'success') notice(`${platform} connected.`);
  else notice(`Connecting ${platform} failed: ${q.get('message') ?? 'no reason given'}`, 'error');
  // The outcome is shown once: a reload shows the dashboard, not the outcome again.
  history.replaceState(null, '', '/');
}

async function showDashboard() {
  $('#sign-in').hidden = true;
  $('#session').hidden = false;
  $('#who').textContent = 'Signed in as the demo user';
  for (const id of ['#accounts-section', '#compose-section', '#posts-section']) $(id).hidden = false;
  try {
    await refresh();
  } catch (e) {
    if (jwt) notice(`Could not load your accounts: ${e.message}`, 'error');
  }
  if (jwt) poll();
}

async function start() {
  config = await (await fetch('/demo/config')).json();
  // The OAuth cookie is set for the host the page talks to; the platform sends the browser back to the configured
  // origin, so the page must run there (not on 127.0.0.1 when the demo says localhost).
  if (window.location.origin !== config.origin) {
    window.location.replace(`${config.origin}${window.location.pathname}${window.location.search}`);
    return;
  }
  $('#connect-buttons').replaceChildren(...config.platforms.map((p) => el('button', { type: 'button', 'data-platform': p.id, text: `Connect ${p.name}`, onclick: () => connect(p.id) })));
  $('#video-job').replaceChildren(...config.video_jobs.map((j) => el('option', { value: j.id, text: j.title })));
  $('#sign-in-button').addEventListener('click', signIn);
  $('#sign-out').addEventListener('click', () => signOut('Signed out.'));
  $('#compose').addEventListener('submit', submit);
  for (const r of document.querySelectorAll('input[name="when"]')) r.addEventListener('change', updateWhen);
  showConnectOutcome();
  if (jwt) await showDashboard();
  else signOut();
}

start().catch((e) => notice(`The page could not start: ${e.message}`, 'error'));
