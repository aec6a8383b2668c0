// What the relying-party scripts share: their command line, the named-check runner and its
// report, the redirect URIs, and one dynamic client registration (RFC 7591) helper.

import { readFileSync } from 'node:fs';
import process from 'node:process';

import * as oauth from 'oauth4webapi';

import { UserAgent } from './user_agent.mjs';

/**
 * The redirect URI every registered web client uses. Nothing listens there: the user agent
 * stops when the provider sends it to this prefix and hands the URL to the relying party.
 * Plain http on loopback, so the clients register as native clients (RFC 8252 §7.3).
 */
export const REDIRECT_URI = 'http://127.0.0.1:9/cb';
/** The post-logout redirect URI (OpenID Connect RP-Initiated Logout 1.0 §3). */
export const POST_LOGOUT_REDIRECT_URI = 'http://127.0.0.1:9/logged-out';
/** The scopes every client asks for. */
export const SCOPE = 'openid profile email';
/** The scopes every client registers: SCOPE and `offline_access` for refresh tokens (OpenID Connect Core §11). */
export const REGISTERED_SCOPE = `${SCOPE} offline_access`;
/** The device flow grant type (RFC 8628 §3.4). */
export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** Longest one check may take (the device flow polls every few seconds; logins hash passwords). */
export const CHECK_TIMEOUT_MS = 120_000;

/**
 * `node SCRIPT ISSUER DRIVER [CHECK...]`: the issuer to run against, the login driver of
 * user_agent.mjs for its pages, and optionally the names of the only checks to run.
 */
export function commandLine() {
  const [issuer, driver = 'authcore', ...only] = process.argv.slice(2);
  if (!issuer) throw new Error('usage: node SCRIPT ISSUER [DRIVER] [CHECK...]');
  return { issuer: new URL(issuer), driver, only };
}

/** Fails with `message` unless `cond`. */
export function expect(cond, message) {
  if (!cond) throw new Error(message);
}

/** An error's OAuth `error` code, wherever the library put it (body or challenge). */
export function errorCode(err) {
  return err?.error ?? err?.cause?.error ?? err?.cause?.[0]?.parameters?.error ?? err?.code;
}

/** Awaits `fn()` and fails unless it throws an error whose OAuth code is `code`. */
export async function expectError(code, fn) {
  let result;
  try {
    result = await fn();
  } catch (err) {
    const got = errorCode(err);
    expect(got === code, `expected ${code}, got ${got}: ${err.message}`);
    return err;
  }
  throw new Error(`expected ${code}, got success: ${JSON.stringify(result)?.slice(0, 300)}`);
}

/**
 * Runs `checks` (an array of [name, async fn]) one after the other, each bounded by
 * CHECK_TIMEOUT_MS, and prints the report on stdout: a JSON array of {name, ok, error}, in
 * order. Progress goes to stderr. Exits 0 when the checks ran (the caller reads the report),
 * whatever they found.
 */
export async function runChecks(prefix, checks, only) {
  const results = [];
  for (const [name, fn] of checks) {
    if (only.length && !only.includes(name)) continue;
    const full = `${prefix}: ${name}`;
    let timer;
    try {
      await Promise.race([
        fn(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
        }),
      ]);
      results.push({ name: full, ok: true, error: null });
      process.stderr.write(`ok   ${full}\n`);
    } catch (err) {
      const said = err?.error ? ` [${err.error}: ${err.error_description ?? ''}]` : '';
      const detail = `${said}${err?.cause ? ` (${JSON.stringify(err.cause)?.slice(0, 500)})` : ''}`;
      results.push({ name: full, ok: false, error: `${err?.message ?? err}${detail}` });
      process.stderr.write(`FAIL ${full}: ${err?.stack ?? err}${detail}\n`);
    } finally {
      clearTimeout(timer);
    }
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

/** The provider's metadata through OpenID Connect Discovery 1.0 (plain http on loopback). */
export async function discover(issuer) {
  const response = await oauth.discoveryRequest(issuer, {
    algorithm: 'oidc',
    [oauth.allowInsecureRequests]: true,
  });
  return oauth.processDiscoveryResponse(issuer, response);
}

/**
 * Registers a client (RFC 7591 §3, OpenID Connect Registration 1.0) with `metadata` on top of
 * a web client of REDIRECT_URI for the code flow; returns the registration response (with the
 * `client_id` and, for confidential clients, the `client_secret`).
 */
export async function register(as, metadata) {
  const response = await oauth.dynamicClientRegistrationRequest(
    as,
    {
      client_name: 'authcore interop relying party',
      // Loopback http redirect URIs: a native client (RFC 8252 §7.3).
      application_type: 'native',
      redirect_uris: [REDIRECT_URI],
      post_logout_redirect_uris: [POST_LOGOUT_REDIRECT_URI],
      response_types: ['code'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: REGISTERED_SCOPE,
      ...metadata,
    },
    { [oauth.allowInsecureRequests]: true },
  );
  return oauth.processDynamicClientRegistrationResponse(response);
}

const agents = new Map();

/**
 * The script's user agent for `driver`: one per script, so that after the first login the
 * provider's session signs the user in (as one browser would) and the provider's login rate
 * limit is not spent on every check.
 */
export function userAgent(driver) {
  if (!agents.has(driver)) agents.set(driver, new UserAgent(driver));
  return agents.get(driver);
}

/** Signs in as the test user from authorization request `url`; the callback URL. */
export async function signIn(driver, url) {
  return new URL(await userAgent(driver).authorize(url.href, REDIRECT_URI));
}

/**
 * The resource server's introspection credentials when the provider lets only resource
 * servers introspect (authcore serve, RFC 7662 §2.1): the client id from
 * `AUTHCORE_INTROSPECTOR` and its private_key_jwt key (the test-only introspector.jwk.json,
 * whose public half serve.toml registers). Null when unset: clients introspect their own
 * tokens (as oidc-provider allows).
 */
export async function introspector() {
  const clientId = process.env.AUTHCORE_INTROSPECTOR;
  if (!clientId) return null;
  const jwk = JSON.parse(readFileSync(new URL('./introspector.jwk.json', import.meta.url), 'utf8'));
  const key = await crypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  return { clientId, key, kid: jwk.kid };
}

/** Bounded wait. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
