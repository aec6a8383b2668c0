// The user of the interop tests: a user agent without a browser (fetch, a cookie jar, redirects
// followed by hand so it can stop at the relying party's redirect URI) that signs in, consents,
// approves device codes and confirms logouts by posting the provider's HTML forms.
//
// What differs between providers is only which forms they show and what to post in them: that
// is a "login driver" (DRIVERS below), one per provider. `authcore` follows the form contract
// of `authcore serve` (crates/authcore-hyper); `oidc-provider` the development interactions of
// node oidc-provider (tests/oidc-provider), against which these scripts were first proven.
//
// As a module: `new UserAgent(driverName)`, then `authorize(url, stopPrefix)`,
// `approveDevice(verificationUri, userCode)`, `logout(url, stopPrefix)`.
// As a command (for the Python and Rust relying parties, so there is one user agent):
//   node user_agent.mjs authorize DRIVER URL STOP_PREFIX [--deliver] [--jar FILE]
//       prints the URL the provider sent the user agent to (starting with STOP_PREFIX);
//       --deliver also GETs it (a native client's loopback listener) and fails unless 2xx
//   node user_agent.mjs approve-device DRIVER VERIFICATION_URI USER_CODE [--jar FILE]
//   --jar keeps the cookies in FILE between runs, so later sign-ins reuse the provider
//   session (single sign-on) instead of logging in again, as a browser would.
// Every loop is bounded (MAX_HOPS, MAX_FORMS, MAX_RATE_LIMIT_WAITS) and every request times
// out (REQUEST_TIMEOUT_MS).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';

/** Most redirects one navigation may follow. */
export const MAX_HOPS = 16;
/** Most forms one interaction may take (login, consent, a confirmation, and spares). */
export const MAX_FORMS = 6;
/**
 * Longest one request may take. Generous: a login checks an Argon2id hash, slow on purpose
 * (and slower in a debug build), and the relying parties' first logins arrive at once.
 */
export const REQUEST_TIMEOUT_MS = 60_000;

/** Most times one request is sent again after a `429 Too Many Requests`. */
export const MAX_RATE_LIMIT_WAITS = 2;
/** Longest `Retry-After` waited for, in seconds. */
export const MAX_RETRY_AFTER_SECS = 30;

/** The user the tests sign in as (`authcore serve --dev` creates it). */
export const USERNAME = 'alice';
/** Her password. */
export const PASSWORD = 'wonderland';

/** The first `<form ...>...</form>` whose markup contains `marker`, or null. */
export function findForm(html, marker) {
  const forms = html.match(/<form\b[\s\S]*?<\/form>/gi) ?? [];
  return forms.find((f) => f.includes(marker)) ?? null;
}

/** The value of attribute `name` of the first tag in `tag`, HTML entities of URLs undone. */
export function attribute(tag, name) {
  const m = tag.match(new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i'));
  if (!m) return null;
  return unescapeHtml(m[2] ?? m[3]);
}

/** HTML character references in an attribute value undone (named ones the pages use, and numeric). */
export function unescapeHtml(value) {
  const named = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return String.fromCodePoint(code);
    }
    return named[ref.toLowerCase()] ?? whole;
  });
}

/** Every `<input type="hidden">` of a form, as [name, value] pairs. */
export function hiddenInputs(form) {
  const out = [];
  for (const tag of form.match(/<input\b[^>]*>/gi) ?? []) {
    if ((attribute(tag, 'type') ?? '').toLowerCase() === 'hidden') {
      out.push([attribute(tag, 'name'), attribute(tag, 'value') ?? '']);
    }
  }
  return out;
}

/**
 * A form's submission as a browser makes it: the action resolved against the page, the hidden
 * inputs, the pressed button's `name=value` (the button with id `buttonId`, if it has a name),
 * and the fields the user filled in.
 */
function submission(pageUrl, form, fields, buttonId) {
  const action = new URL(attribute(form, 'action') ?? pageUrl, pageUrl).href;
  const body = new URLSearchParams(hiddenInputs(form));
  const button = buttonId && (form.match(/<button\b[^>]*>/gi) ?? []).find((b) => attribute(b, 'id') === buttonId);
  if (button && attribute(button, 'name')) body.set(attribute(button, 'name'), attribute(button, 'value') ?? '');
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return { action, body };
}

// A login driver: given a provider page (its URL and HTML) and what the user is doing, the form
// to post, or null when the page has no form the user acts on (the end of the interaction).
export const DRIVERS = {
  // `authcore serve`: GET /interaction/{ticket} shows the login form (ids username, password,
  // login; fields username, password, csrf) posting to /interaction/{ticket}/login, then the
  // consent form (ids approve, deny; fields decision, csrf) posting to
  // /interaction/{ticket}/consent; /device asks for the user_code (ids user_code, submit); the
  // end-session page asks to confirm (id logout). CSRF tokens travel as hidden inputs.
  authcore(pageUrl, html, task) {
    let form;
    if ((form = findForm(html, 'id="password"'))) {
      return submission(pageUrl, form, { username: USERNAME, password: PASSWORD }, 'login');
    }
    if ((form = findForm(html, 'id="approve"'))) {
      return submission(pageUrl, form, { decision: 'approve' }, 'approve');
    }
    // The code is entered once: a page that asks again (a wrong code) ends the interaction.
    if (task.userCode && !task.userCodeSent && (form = findForm(html, 'id="user_code"'))) {
      task.userCodeSent = true;
      return submission(pageUrl, form, { user_code: task.userCode }, 'submit');
    }
    if ((form = findForm(html, 'id="logout"'))) {
      return submission(pageUrl, form, {}, 'logout');
    }
    return null;
  },

  // node oidc-provider's devInteractions: a login form (prompt=login, login, password), a
  // consent form (prompt=consent); the device pages (xsrf, user_code, then confirm=yes); the
  // end-session confirmation (xsrf, logout=yes).
  'oidc-provider'(pageUrl, html, task) {
    let form;
    if ((form = findForm(html, 'name="prompt" value="login"'))) {
      return submission(pageUrl, form, { login: USERNAME, password: PASSWORD });
    }
    if ((form = findForm(html, 'name="prompt" value="consent"'))) {
      return submission(pageUrl, form, {});
    }
    if (task.userCode && (form = findForm(html, 'op.deviceConfirmForm'))) {
      return submission(pageUrl, form, { user_code: task.userCode, confirm: 'yes' });
    }
    if (task.userCode && (form = findForm(html, 'name="user_code"'))) {
      return submission(pageUrl, form, { user_code: task.userCode });
    }
    if ((form = findForm(html, 'op.logoutForm'))) {
      return submission(pageUrl, form, { logout: 'yes' });
    }
    return null;
  },
};

/** Where a navigation ended: a provider page, or a URL outside the provider (the client's). */
class Landing {
  constructor(kind, url, html = '', status = 200) {
    Object.assign(this, { kind, url, html, status });
  }
}

export class UserAgent {
  /** A user agent with an empty cookie jar, acting through the login driver `driverName`. */
  constructor(driverName) {
    this.driver = DRIVERS[driverName];
    if (!this.driver) throw new Error(`no login driver ${driverName}`);
    this.cookies = new Map();
  }

  /**
   * One request with the jar; keeps the cookies the response sets (expired ones removed). A
   * `429` with a short `Retry-After` (RFC 6585 §4, the provider's login and device limits) is
   * waited out and the request sent again, as a person would, a bounded number of times.
   */
  async send(method, url, body) {
    for (let attempt = 0; ; attempt++) {
      const resp = await this.sendOnce(method, url, body);
      const wait = Number(resp.headers.get('retry-after'));
      if (resp.status !== 429 || attempt >= MAX_RATE_LIMIT_WAITS || !(wait >= 0 && wait <= MAX_RETRY_AFTER_SECS)) {
        return resp;
      }
      await resp.body?.cancel();
      process.stderr.write(`user_agent: ${url} answered 429; waiting ${wait} s\n`);
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
  }

  /** Loads the cookies of a jar file written by `saveJar` (none when it does not exist). */
  loadJar(file) {
    if (existsSync(file)) this.cookies = new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8'))));
  }

  /** Writes the cookies to `file`. */
  saveJar(file) {
    writeFileSync(file, JSON.stringify(Object.fromEntries(this.cookies)));
  }

  /** One request, no retry: the jar's cookies sent, the response's kept. */
  async sendOnce(method, url, body) {
    const headers = {};
    if (this.cookies.size) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const resp = await fetch(url, {
      method,
      headers,
      body: body ? body.toString() : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    for (const line of resp.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a) || /expires\s*=\s*thu, 01 jan 1970/i.test(a));
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return resp;
  }

  /**
   * Sends a request and follows redirects until a page of the provider (any status: error
   * pages are landings too) or a URL starting with `stopPrefix`.
   */
  async navigate(method, url, body, stopPrefix) {
    let resp = await this.send(method, url, body);
    let current = url;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const location = resp.headers.get('location');
      if (!(resp.status >= 300 && resp.status < 400 && location)) {
        const html = await resp.text();
        return new Landing('page', current, html, resp.status);
      }
      await resp.body?.cancel();
      const next = new URL(location, current).href;
      if (stopPrefix && next.startsWith(stopPrefix)) return new Landing('client', next);
      current = next;
      resp = await this.send('GET', current);
    }
    throw new Error(`more than ${MAX_HOPS} redirects from ${url}`);
  }

  /** Acts on provider pages through the driver until the client's URL or a page without a form. */
  async interact(landing, stopPrefix, task) {
    for (let i = 0; i < MAX_FORMS; i++) {
      if (landing.kind === 'client') return landing;
      const next = this.driver(landing.url, landing.html, task);
      if (!next) return landing;
      landing = await this.navigate('POST', next.action, next.body, stopPrefix);
    }
    throw new Error(`the interaction did not finish within ${MAX_FORMS} forms`);
  }

  /** Signs in and consents from authorization request `url`; returns the redirect to the client. */
  async authorize(url, stopPrefix) {
    const end = await this.interact(await this.navigate('GET', url, null, stopPrefix), stopPrefix, {});
    if (end.kind !== 'client') {
      throw new Error(`no redirect to ${stopPrefix}; stopped at ${end.url} (${end.status}):\n${end.html.slice(0, 2000)}`);
    }
    return end.url;
  }

  /** Opens `url` without acting on it: the page (or redirect) the provider answers. */
  async open(url, stopPrefix) {
    return this.navigate('GET', url, null, stopPrefix);
  }

  /**
   * RFC 8628 §3.3: opens the verification URI, enters `userCode`, signs in and consents,
   * until a page without a form (the provider's "done" page), which is returned.
   */
  async approveDevice(verificationUri, userCode) {
    const end = await this.interact(await this.navigate('GET', verificationUri), null, { userCode });
    if (end.kind !== 'page' || end.status >= 400) {
      throw new Error(`device approval ended at ${end.url} (${end.status}):\n${end.html.slice(0, 2000)}`);
    }
    return end;
  }

  /** RP-initiated logout from end-session `url`: confirms when asked; returns the redirect. */
  async logout(url, stopPrefix) {
    return this.authorize(url, stopPrefix);
  }
}

async function main(argv) {
  const flags = new Set(argv.filter((a) => a === '--deliver'));
  const jarAt = argv.indexOf('--jar');
  const jar = jarAt >= 0 ? argv[jarAt + 1] : null;
  const [command, driver, ...rest] = argv.filter((a, i) => a !== '--deliver' && (jarAt < 0 || (i !== jarAt && i !== jarAt + 1)));
  const ua = new UserAgent(driver);
  if (jar) ua.loadJar(jar);
  try {
    await run(ua, command, rest, flags);
  } finally {
    if (jar) ua.saveJar(jar);
  }
}

async function run(ua, command, rest, flags) {
  if (command === 'authorize') {
    const [url, stopPrefix] = rest;
    const callback = await ua.authorize(url, stopPrefix);
    if (flags.has('--deliver')) {
      const resp = await fetch(callback, { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      if (!resp.ok) throw new Error(`${callback} answered ${resp.status}`);
    }
    process.stdout.write(`${callback}\n`);
  } else if (command === 'approve-device') {
    const [uri, userCode] = rest;
    await ua.approveDevice(uri, userCode);
    process.stdout.write('approved\n');
  } else {
    throw new Error('usage: user_agent.mjs authorize|approve-device DRIVER ...');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`user_agent: ${e.stack ?? e}\n`);
    process.exit(1);
  });
}
