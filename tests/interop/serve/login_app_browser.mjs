// The login layer's example application (crates/authcore-login, example `axum_app`) in a real
// browser: Debian's chromium, headless, driven by npm `puppeteer-core` (browser.mjs), signs
// in as alice through a provider's pages (`authcore serve --dev` or node oidc-provider), and
// goes through what a user of the application does: the public page, the protected page with
// her claims, a reload, logout (the application's session and the provider's end), and a
// logout at the provider that reaches the application by back-channel logout. A screenshot of
// every page is written to OUTDIR.
//
// The example application's page contract: `/` is public (`#public`); `/protected` shows the
// signed-in user (`#sub`; `#claims`: the claims as JSON, the ID token's and UserInfo's) and a
// sign-out button
// (`#sign-out`); `/api/me` answers the claims as JSON, or 401 without a session (an API
// route: no redirect to the provider).
//
// Usage: node login_app_browser.mjs APP_URL ISSUER OUTDIR DRIVER
// Prints a JSON array of {name, ok, error} on stdout (common.mjs runChecks). Every wait is
// bounded, and the browser is closed however the run ends.

import process from 'node:process';

import { WAIT_MS, browserDriver, clickAndWait, launchBrowser, screenshots, throughProvider } from './browser.mjs';
import { USERNAME } from './user_agent.mjs';
import { expect, runChecks, sleep } from './common.mjs';

/** How often the back-channel logout's effect is looked for, and for how long at most. */
const POLL_MS = 200;
const BACKCHANNEL_WAIT_MS = 20_000;

const [appArg, issuerArg, outDir, driverName] = process.argv.slice(2);
if (!appArg || !issuerArg || !outDir || !driverName) {
  throw new Error('usage: node login_app_browser.mjs APP_URL ISSUER OUTDIR DRIVER');
}
const app = new URL(appArg);
const issuer = new URL(issuerArg);
const driver = browserDriver(driverName);
const shoot = screenshots(outDir);

/** Whether the page is the application's (any path), not the provider's. */
const atApp = (page) => new URL(page.url()).origin === app.origin;
/** `path` on the application. */
const appUrl = (path) => new URL(path, app).href;

let chromium;
let page;
/** The claims the protected page showed after the first sign-in. */
let firstClaims;

/** GET /api/me from the application's page, with the browser's cookies: [status, JSON or null]. */
async function apiMe() {
  expect(atApp(page), `apiMe from ${page.url()}`);
  return page.evaluate(async (url) => {
    const r = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'manual', cache: 'no-store' });
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return [r.status, json];
  }, appUrl('/api/me'));
}

/** The claims the protected page shows (its `#claims` JSON), failing with the page otherwise. */
async function shownClaims() {
  const text = await page.$eval('#claims', (e) => e.textContent).catch(() => null);
  if (!text) throw new Error(`${page.url()} shows no claims:\n${(await page.content()).slice(0, 2000)}`);
  return JSON.parse(text);
}

/** Whether `claims` are alice's: her login name as `sub` or `preferred_username`, or her email. */
function isAlice(claims) {
  return (
    claims.sub === USERNAME || claims.preferred_username === USERNAME || claims.email === `${USERNAME}@example.com`
  );
}

/** Opens /protected and signs in through the provider (credentials asked: `expectLogin`). */
async function signInAtProtected(expectLogin) {
  await page.goto(appUrl('/protected'), { waitUntil: 'load' });
  expect(!atApp(page), `/protected did not send the browser to the provider; at ${page.url()}`);
  const did = await throughProvider(page, driver, { done: async (p) => atApp(p), shoot });
  if (expectLogin) expect(did.login === 1, `the provider asked for credentials ${did.login ?? 0} times, not once`);
  // Back at the URL the browser first asked for, not at a fixed landing page.
  expect(new URL(page.url()).pathname === '/protected', `the login ended at ${page.url()}, not /protected`);
  await shoot(page, 'protected');
  return shownClaims();
}

const checks = [
  [
    'the public page is served without signing in',
    async () => {
      chromium = await launchBrowser();
      page = await chromium.newPage();
      const resp = await page.goto(appUrl('/'), { waitUntil: 'load' });
      await shoot(page, 'public');
      expect(resp.status() === 200, `/ answered ${resp.status()}`);
      expect(atApp(page) && new URL(page.url()).pathname === '/', `/ went to ${page.url()}`);
      expect(await page.$('#public'), 'no #public on the public page');
      const [status] = await apiMe();
      expect(status === 401, `/api/me without a session answered ${status}, not 401`);
    },
  ],
  [
    "the protected page signs in at the provider and returns to it with alice's claims",
    async () => {
      firstClaims = await signInAtProtected(true);
      expect(firstClaims.sub, 'no sub claim');
      expect(isAlice(firstClaims), `not alice's claims: ${JSON.stringify(firstClaims)}`);
      // The profile and email claims, which some providers put only in UserInfo (OpenID
      // Connect Core §5.4; authcore serve among them): the layer merges them in.
      expect(firstClaims.email === `${USERNAME}@example.com`, `email ${firstClaims.email}`);
      const [status, me] = await apiMe();
      expect(status === 200 && me?.sub === firstClaims.sub, `/api/me answered ${status} ${JSON.stringify(me)}`);
    },
  ],
  [
    'a reload keeps the session',
    async () => {
      const resp = await page.reload({ waitUntil: 'load' });
      await shoot(page, 'reloaded');
      expect(resp.status() === 200, `the reload answered ${resp.status()}`);
      expect(atApp(page) && new URL(page.url()).pathname === '/protected', `the reload went to ${page.url()}`);
      const claims = await shownClaims();
      expect(claims.sub === firstClaims.sub, `sub ${claims.sub} after the reload, ${firstClaims.sub} before`);
    },
  ],
  [
    'logout ends the application session and the provider session',
    async () => {
      expect(await page.$('#sign-out'), 'no #sign-out on the protected page');
      await clickAndWait(page, '#sign-out');
      // RP-initiated logout at the provider (a confirmation when it asks), then back at the
      // application's post-logout page.
      const did = await throughProvider(page, driver, { done: async (p) => atApp(p), shoot });
      expect(!did.login, 'the provider asked for credentials during logout');
      await shoot(page, 'logged-out');
      const [status] = await apiMe();
      expect(status === 401, `/api/me after logout answered ${status}, not 401`);
      // The provider's session ended too: signing in again asks for the password.
      const claims = await signInAtProtected(true);
      expect(claims.sub === firstClaims.sub, `signed in again as ${claims.sub}`);
    },
  ],
  [
    'a logout at the provider ends the application session by back-channel logout',
    async () => {
      let [status] = await apiMe();
      expect(status === 200, `/api/me before the provider's logout answered ${status}`);
      // The user signs out at the provider itself (its end-session endpoint, no
      // id_token_hint: the provider asks to confirm), in another tab of the same browser.
      const meta = await (await fetch(new URL('.well-known/openid-configuration', `${issuer.href.replace(/\/?$/, '/')}`), {
        signal: AbortSignal.timeout(WAIT_MS),
      })).json();
      expect(meta.end_session_endpoint, 'no end_session_endpoint in the provider metadata');
      const tab = await chromium.newPage();
      await tab.goto(meta.end_session_endpoint, { waitUntil: 'load' });
      const did = await throughProvider(tab, driver, {
        done: async (p) => !(await p.$(driver.logout)) && !(await p.$(driver.login.username)),
        shoot,
      });
      await shoot(tab, 'provider-logged-out');
      const text = await tab.$eval('body', (b) => b.innerText).catch(() => '');
      expect(did.logout === 1, `the provider's logout was confirmed ${did.logout ?? 0} times; ${tab.url()} says: ${text.slice(0, 500)}`);
      await tab.close();
      // The provider POSTs the logout token to the application in the background (Back-Channel
      // Logout 1.0 §2.5): wait, bounded, for the application session to end.
      const deadline = Date.now() + BACKCHANNEL_WAIT_MS;
      for (;;) {
        [status] = await apiMe();
        if (status === 401) break;
        expect(Date.now() < deadline, `/api/me still answers ${status} ${BACKCHANNEL_WAIT_MS} ms after the provider's logout`);
        await sleep(POLL_MS);
      }
      // The cookie is still in the browser; the application refuses it all the same.
      await page.goto(appUrl('/protected'), { waitUntil: 'load' });
      expect(!atApp(page), `/protected still served after the back-channel logout (at ${page.url()})`);
      await shoot(page, 'after-backchannel-logout');
      expect(await page.$(driver.login.username), `the provider did not ask for credentials: ${page.url()}`);
    },
  ],
  [
    'a return_to off the site never takes the browser there',
    async () => {
      // A sign-in started with an absolute URL to another site as its return_to: the layer
      // takes same-origin paths only (no open redirect), so the browser ends at the
      // application whatever the provider does.
      await page.goto(appUrl(`/auth/login?return_to=${encodeURIComponent('https://evil.example/steal')}`), {
        waitUntil: 'load',
      });
      await throughProvider(page, driver, { done: async (p) => atApp(p) || !p.url().startsWith('http://127.0.0.1'), shoot });
      await shoot(page, 'off-site-return-to');
      expect(atApp(page), `the sign-in ended at ${page.url()}`);
    },
  ],
  [
    'a tampered session cookie is refused',
    async () => {
      // Signed in (the previous check's sign-in, or a new one).
      await page.goto(appUrl('/protected'), { waitUntil: 'load' });
      await throughProvider(page, driver, { done: async (p) => atApp(p), shoot });
      let [status] = await apiMe();
      expect(status === 200, `/api/me signed in answered ${status}`);
      const cookies = await page.cookies(app.href);
      // The layer's session cookie (`authcore_login_session`): the provider's own cookies
      // are there too, as browsers keep cookies per host, not per port.
      const session = cookies.find((c) => /login_session$/.test(c.name));
      expect(session, `no session cookie among ${cookies.map((c) => c.name).join(', ')}`);
      // One character in the middle of the sealed value changed (within base64url).
      const at = Math.floor(session.value.length / 2);
      const swapped = session.value[at] === 'A' ? 'B' : 'A';
      const value = `${session.value.slice(0, at)}${swapped}${session.value.slice(at + 1)}`;
      await page.setCookie({ ...session, value });
      [status] = await apiMe();
      expect(status === 401, `/api/me with a tampered session cookie answered ${status}, not 401`);
    },
  ],
];

try {
  await runChecks(`example app against ${driverName}`, checks, []);
} finally {
  await chromium?.close();
}
