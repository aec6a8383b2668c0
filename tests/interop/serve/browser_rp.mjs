// A sign-in in a real browser: Debian's chromium, driven headless by npm `puppeteer-core` (no
// browser download), against a provider's login and consent pages, for a small relying party
// (a node http server on 127.0.0.1 at a free port, using openid-client) that starts the login
// and shows the validated ID token claims on its callback page. A screenshot of every page the
// browser reaches is written to OUTDIR.
//
// Usage: node browser_rp.mjs ISSUER OUTDIR [DRIVER]
// Prints a JSON array of {name, ok, error} on stdout (common.mjs runChecks). Every wait is
// bounded (WAIT_MS), and the browser and the server are closed however the run ends.

import { createServer } from 'node:http';
import process from 'node:process';

import * as client from 'openid-client';

import { browserDriver, launchBrowser, screenshots, throughProvider } from './browser.mjs';
import { REGISTERED_SCOPE, SCOPE, expect, runChecks } from './common.mjs';

const [issuerArg, outDir, driverName = 'authcore'] = process.argv.slice(2);
if (!issuerArg || !outDir) throw new Error('usage: node browser_rp.mjs ISSUER OUTDIR [DRIVER]');
const issuer = new URL(issuerArg);
const driver = browserDriver(driverName);
const shoot = screenshots(outDir);

/** The relying party: GET / starts the login, GET /callback finishes it and shows the claims. */
async function startRelyingParty() {
  const pending = new Map();
  let config;
  let redirectUri;
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, redirectUri);
      if (url.pathname === '/') {
        const verifier = client.randomPKCECodeVerifier();
        const state = client.randomState();
        const nonce = client.randomNonce();
        pending.set(state, { verifier, nonce });
        const target = client.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: SCOPE,
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          nonce,
        });
        res.writeHead(302, { location: target.href }).end();
      } else if (url.pathname === '/callback') {
        const state = url.searchParams.get('state');
        const request = pending.get(state);
        pending.delete(state);
        if (!request) throw new Error('unknown state');
        const tokens = await client.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: request.verifier,
          expectedNonce: request.nonce,
          expectedState: state,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        // The claims are the validated ID token's; UserInfo is shown too when offered.
        const info = config.serverMetadata().userinfo_endpoint
          ? await client.fetchUserInfo(config, tokens.access_token, claims.sub)
          : 'no userinfo_endpoint';
        const escape = (s) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
          `<!doctype html><html><head><title>Signed in</title></head><body>
<h1>Signed in as <span id="sub">${escape(claims.sub)}</span></h1>
<p>ID token validated by openid-client (signature, iss, aud, exp, nonce).</p>
<h2>ID token claims</h2><pre id="claims">${escape(JSON.stringify(claims, null, 2))}</pre>
<h2>UserInfo</h2><pre id="userinfo">${escape(JSON.stringify(info, null, 2))}</pre>
</body></html>`,
        );
      } else {
        res.writeHead(404).end();
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`relying party error: ${err.message}`);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  redirectUri = `${base}/callback`;
  const registered = await client.dynamicClientRegistration(
    issuer,
    {
      client_name: 'authcore browser test relying party',
      // A relying party on loopback http: a native client (RFC 8252 §7.3), the only kind
      // a provider lets register a plain-http redirect URI.
      application_type: 'native',
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: REGISTERED_SCOPE,
    },
    undefined,
    { execute: [client.allowInsecureRequests] },
  );
  const meta = registered.clientMetadata();
  config = await client.discovery(issuer, meta.client_id, meta, client.ClientSecretBasic(meta.client_secret), {
    execute: [client.allowInsecureRequests],
  });
  return { server, base, redirectUri };
}

let chromium;
let rp;
const seen = { login: false, consent: false, claims: null };

async function signInWithBrowser() {
  rp = await startRelyingParty();
  chromium = await launchBrowser();
  const page = await chromium.newPage();
  await page.goto(`${rp.base}/`, { waitUntil: 'load' });
  const did = await throughProvider(page, driver, {
    done: async (p) => p.url().startsWith(rp.redirectUri),
    shoot,
  });
  seen.login = did.login > 0;
  seen.consent = did.consent > 0;
  expect(page.url().startsWith(rp.redirectUri), `the browser ended at ${page.url()}`);
  await shoot(page, 'callback');
  const sub = await page.$eval('#sub', (e) => e.textContent).catch(() => null);
  if (!sub) throw new Error(`the callback page shows no claims:\n${(await page.content()).slice(0, 2000)}`);
  seen.claims = JSON.parse(await page.$eval('#claims', (e) => e.textContent));
}

try {
  await runChecks(
    'browser',
    [
      ['chromium signs in through the login and consent pages to the callback', signInWithBrowser],
      ['the login page was filled in', async () => expect(seen.login, 'no login page was shown')],
      ['the consent page was approved', async () => expect(seen.consent, 'no consent page was shown')],
      [
        'the callback shows the validated ID token claims',
        async () => {
          expect(seen.claims?.sub, 'a sub claim');
          expect(seen.claims.iss === issuer.href || `${seen.claims.iss}/` === issuer.href, `iss ${seen.claims?.iss}`);
          expect(seen.claims.nonce, 'a nonce claim');
        },
      ],
    ],
    [],
  );
} finally {
  await chromium?.close();
  rp?.server.close();
  rp?.server.closeAllConnections?.();
}
