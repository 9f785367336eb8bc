// The demo dashboard: plain DOM over the REST contract (README "The REST contract"), as the real dashboard calls it.
// Only /demo/config and /demo/sign-in belong to the demo host: how this host hands its page the JWT and its settings.
// Live status comes from GET /events (Server-Sent Events read through fetch, which can send the Authorization header
// that a browser's EventSource cannot).

const JWT_KEY = 'aurareels_demo_jwt';
/** How long to wait before opening the event stream again after it ended. */
const RECONNECT_MS = 1000;

const $ = (sel) => document.querySelector(sel);

/** The host's settings (API base, video jobs). */
let config;
let jwt = localStorage.getItem(JWT_KEY);
/** GET /platforms: the configured platforms and their rules. */
let platforms = [];
let accounts = [];
let posts = [];
/** Each post's last seen status, to announce changes once. */
const seenStatus = new Map();
/** Ends the open event stream (signing out). */
let streamAbort = null;

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
  return platforms.find((p) => p.platform === id)?.name ?? id;
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
  streamAbort?.abort();
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

/** The account's quota in the moving 24 hours, as GET /accounts gives it. */
function quotaText({ quota }) {
  if (!quota) return '';
  if (quota.limit === null) return `${quota.used}`;
  const next = quota.remaining === 0 && quota.next_slot_at ? `; next slot ${localTime(quota.next_slot_at)}` : '';
  return `${quota.used} of ${quota.limit} (${quota.remaining} left${next})`;
}

function renderAccounts() {
  const body = $('#accounts tbody');
  body.replaceChildren(...accounts.map((a) => {
    const state = a.is_active
      ? el('span', { class: 'state ok', text: 'Active' })
      : el('span', { class: 'state bad', text: `Needs reconnecting${a.status_reason ? `: ${a.status_reason}` : ''}` });
    return el('tr', { 'data-account-id': a.id, 'data-platform': a.platform },
      el('td', { text: platformName(a.platform) }),
      el('td', {}, el('strong', { text: a.account_name }), a.account_username ? el('span', { class: 'muted', text: ` ${a.account_username}` }) : null),
      el('td', {}, state, a.reconnect_warning ? el('div', { class: 'warning', text: a.reconnect_warning }) : null),
      el('td', { class: 'quota', text: quotaText(a) }),
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
  showCaptionLimit();
}

/** The tightest caption limit among the chosen accounts' platforms (GET /platforms), with the count so far. */
function showCaptionLimit() {
  const chosen = new Set([...document.querySelectorAll('input[name="accounts"]:checked')]
    .map((i) => accounts.find((a) => String(a.id) === i.value)?.platform));
  const limits = platforms.filter((p) => chosen.has(p.platform) && p.rules).map((p) => ({ name: p.name, max: p.rules.caption_max_length }));
  const tightest = limits.sort((a, b) => a.max - b.max)[0];
  const length = [...$('#caption').value].length;
  // X weighs some characters double: the server's check is the one that counts, this is a guide.
  $('#caption-limit').textContent = tightest ? `${length} characters; ${tightest.name} allows ${tightest.max}.` : '';
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

/** Refreshes once per burst of events: one refresh at a time, and one more if events came in meanwhile. */
let refreshing = null;
let refreshAgain = false;
function refreshSoon() {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = refresh()
    .catch(() => { /* the next event refreshes again; a 401 has already signed out */ })
    .finally(() => {
      refreshing = null;
      if (refreshAgain && jwt) {
        refreshAgain = false;
        refreshSoon();
      }
    });
}

/**
 * Reads GET /events for as long as the user is signed in: every post or account event refreshes the tables. When the
 * stream ends it is opened again with Last-Event-ID, so nothing that happened meanwhile is missed, then refreshed.
 */
async function followEvents() {
  let lastEventId = null;
  while (jwt) {
    const abort = new AbortController();
    streamAbort = abort;
    try {
      const headers = { Authorization: `Bearer ${jwt}`, Accept: 'text/event-stream' };
      if (lastEventId) headers['Last-Event-ID'] = lastEventId;
      const res = await fetch(`${config.api}/events`, { headers, signal: abort.signal });
      if (res.status === 401) return signOut('Your session ended; sign in again.');
      if (!res.ok || !res.body) throw new Error(`the event stream answered ${res.status}`);
      $('#posts-section').dataset.live = 'true';
      refreshSoon();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          // Lines starting with ':' are the heartbeat; an event has an id and its data.
          const id = block.split('\n').find((line) => line.startsWith('id:'));
          if (!id) continue;
          lastEventId = id.slice(3).trim();
          refreshSoon();
        }
      }
    } catch {
      if (abort.signal.aborted) return;
    }
    delete $('#posts-section').dataset.live;
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
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
    ({ platforms } = await api('/platforms'));
    platforms = platforms.filter((p) => p.configured);
    $('#connect-buttons').replaceChildren(...platforms.map((p) => el('button', { type: 'button', 'data-platform': p.platform, text: `Connect ${p.name}`, onclick: () => connect(p.platform) })));
    await refresh();
  } catch (e) {
    if (jwt) notice(`Could not load your accounts: ${e.message}`, 'error');
  }
  if (jwt) followEvents();
}

async function start() {
  config = await (await fetch('/demo/config')).json();
  // The OAuth cookie is set for the host the page talks to; the platform sends the browser back to the configured
  // origin, so the page must run there (not on 127.0.0.1 when the demo says localhost).
  if (window.location.origin !== config.origin) {
    window.location.replace(`${config.origin}${window.location.pathname}${window.location.search}`);
    return;
  }
  $('#video-job').replaceChildren(...config.video_jobs.map((j) => el('option', { value: j.id, text: j.title })));
  $('#sign-in-button').addEventListener('click', signIn);
  $('#sign-out').addEventListener('click', () => signOut('Signed out.'));
  $('#compose').addEventListener('submit', submit);
  $('#compose').addEventListener('input', showCaptionLimit);
  for (const r of document.querySelectorAll('input[name="when"]')) r.addEventListener('change', updateWhen);
  if (jwt) await showDashboard();
  else signOut();
  // After the dashboard loaded the platforms' names.
  showConnectOutcome();
}

start().catch((e) => notice(`The page could not start: ${e.message}`, 'error'));
