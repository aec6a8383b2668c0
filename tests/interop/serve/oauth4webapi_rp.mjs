// npm `oauth4webapi` (the low-level OpenID Certified client openid-client is built on) against
// a provider, each flow a named check, and the negative checks every relying party would hit
// (wrong secret, replayed code, mismatched redirect URI, PKCE mismatch, replayed DPoP proof)
// sent by hand so each answer's RFC error code is seen as it is.
//
// Usage: node oauth4webapi_rp.mjs ISSUER [DRIVER] [CHECK...]
// Prints a JSON array of {name, ok, error} on stdout (common.mjs runChecks).

import * as oauth from 'oauth4webapi';

import {
  DEVICE_GRANT,
  REDIRECT_URI,
  SCOPE,
  commandLine,
  discover,
  expect,
  expectError,
  introspector,
  register,
  runChecks,
  signIn,
  userAgent,
  sleep,
} from './common.mjs';
import { UserAgent } from './user_agent.mjs';

const { issuer, driver, only } = commandLine();
const insecure = { [oauth.allowInsecureRequests]: true };
const as = await discover(issuer);

/** A registered client: [client, clientAuth, registration]. */
async function registered(metadata = {}) {
  const reg = await register(as, metadata);
  const c = { client_id: reg.client_id };
  for (const m of ['id_token_signed_response_alg', 'dpop_bound_access_tokens']) {
    if (reg[m] !== undefined) c[m] = reg[m];
  }
  return [c, reg.client_secret ? oauth.ClientSecretBasic(reg.client_secret) : oauth.None(), reg];
}

/** An authorization request (PKCE S256, state, nonce): its URL and what the callback needs. */
async function authorizationRequest(c, extra = {}) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint);
  const params = {
    client_id: c.client_id,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: SCOPE,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { url, verifier, state, nonce };
}

/** The code flow through the provider's pages; returns the processed token response. */
async function codeFlow(c, auth, { extra, par = false, dpop } = {}) {
  let { url, verifier, state, nonce } = await authorizationRequest(c, extra);
  if (par) {
    const pushed = await withNonceRetry(dpop, () =>
      oauth
        .pushedAuthorizationRequest(as, c, auth, url.searchParams, { ...insecure, DPoP: dpop })
        .then((r) => oauth.processPushedAuthorizationResponse(as, c, r)),
    );
    url = new URL(as.authorization_endpoint);
    url.searchParams.set('client_id', c.client_id);
    url.searchParams.set('request_uri', pushed.request_uri);
  }
  const callback = await signIn(driver, url);
  const params = oauth.validateAuthResponse(as, c, callback, state);
  const result = await withNonceRetry(dpop, () =>
    oauth
      .authorizationCodeGrantRequest(as, c, auth, params, REDIRECT_URI, verifier, { ...insecure, DPoP: dpop })
      .then((r) => oauth.processAuthorizationCodeResponse(as, c, r, { expectedNonce: nonce, requireIdToken: true })),
  );
  return { result, claims: oauth.getValidatedIdTokenClaims(result), callback, verifier };
}

/**
 * RFC 9449 §8: a DPoP request refused with `use_dpop_nonce` is sent again once (the handle
 * has kept the server's `DPoP-Nonce`). oauth4webapi leaves this retry to the caller.
 */
async function withNonceRetry(dpop, fn) {
  try {
    return await fn();
  } catch (err) {
    if (dpop && oauth.isDPoPNonceError(err)) {
      nonceRetries += 1;
      return fn();
    }
    throw err;
  }
}

/** How many requests the server sent back for a DPoP nonce (RFC 9449 §8). */
let nonceRetries = 0;

function base64url(bytes) {
  return Buffer.from(bytes).toString('base64url');
}

/** A DPoP proof (RFC 9449 §4.2), signed by hand so the very same proof can be sent twice. */
async function dpopProof(keyPair, htm, htu, { jti, nonce, accessToken }) {
  const jwk = await crypto.subtle.exportKey('jwk', keyPair.publicKey);
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } };
  const claims = { jti, htm, htu, iat: Math.floor(Date.now() / 1000) };
  if (nonce) claims.nonce = nonce;
  if (accessToken) {
    claims.ath = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken)));
  }
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keyPair.privateKey, new TextEncoder().encode(input));
  return `${input}.${base64url(sig)}`;
}

/** A token request by hand; returns [status, body, headers]. */
async function tokenRequest(body, headers = {}) {
  const resp = await fetch(as.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
    redirect: 'manual',
  });
  return [resp.status, await resp.json().catch(() => ({})), resp.headers];
}

function basic(id, secret) {
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
  return { authorization: `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}` };
}

const checks = [
  [
    'discovery',
    async () => {
      expect(as.issuer && as.token_endpoint && as.jwks_uri && as.userinfo_endpoint, 'OpenID provider metadata');
    },
  ],
  ...['RS256', 'ES256', 'EdDSA'].map((alg) => [
    `code + PKCE + nonce, ID token ${alg}, UserInfo`,
    async () => {
      const [c, auth] = await registered({ id_token_signed_response_alg: alg });
      const { result, claims } = await codeFlow(c, auth);
      const header = JSON.parse(Buffer.from(result.id_token.split('.')[0], 'base64url'));
      expect(header.alg === alg, `ID token alg ${header.alg}`);
      const info = await oauth
        .userInfoRequest(as, c, result.access_token, insecure)
        .then((r) => oauth.processUserInfoResponse(as, c, claims.sub, r));
      expect(info.sub === claims.sub, 'UserInfo sub');
    },
  ]),
  [
    'refresh with rotation',
    async () => {
      const [c, auth] = await registered();
      const { result } = await codeFlow(c, auth, { extra: { scope: `${SCOPE} offline_access`, prompt: 'consent' } });
      expect(result.refresh_token, 'a refresh token');
      const next = await oauth
        .refreshTokenGrantRequest(as, c, auth, result.refresh_token, insecure)
        .then((r) => oauth.processRefreshTokenResponse(as, c, r));
      expect(next.refresh_token && next.refresh_token !== result.refresh_token, 'rotated refresh token');
      await expectError('invalid_grant', () =>
        oauth.refreshTokenGrantRequest(as, c, auth, result.refresh_token, insecure).then((r) => oauth.processRefreshTokenResponse(as, c, r)),
      );
    },
  ],
  [
    'client credentials',
    async () => {
      const [c, auth] = await registered({ grant_types: ['client_credentials'], redirect_uris: undefined, response_types: [] });
      const result = await oauth
        .clientCredentialsGrantRequest(as, c, auth, new URLSearchParams({ scope: 'profile' }), insecure)
        .then((r) => oauth.processClientCredentialsResponse(as, c, r));
      expect(result.access_token, 'an access token');
    },
  ],
  [
    'device flow',
    async () => {
      const [c, auth] = await registered({ grant_types: [DEVICE_GRANT], redirect_uris: undefined, response_types: [] });
      const device = await oauth
        .deviceAuthorizationRequest(as, c, auth, new URLSearchParams({ scope: SCOPE }), insecure)
        .then((r) => oauth.processDeviceAuthorizationResponse(as, c, r));
      await userAgent(driver).approveDevice(device.verification_uri, device.user_code);
      // RFC 8628 §3.5: poll no faster than the interval; bounded in count.
      const interval = (device.interval ?? 5) * 1000;
      for (let i = 0; i < 10; i++) {
        await sleep(interval);
        try {
          const result = await oauth
            .deviceCodeGrantRequest(as, c, auth, device.device_code, insecure)
            .then((r) => oauth.processDeviceCodeResponse(as, c, r));
          expect(result.access_token, 'an access token');
          return;
        } catch (err) {
          if (err.error !== 'authorization_pending') throw err;
        }
      }
      throw new Error('device authorization still pending after 10 polls');
    },
  ],
  [
    'PAR',
    async () => {
      const [c, auth] = await registered();
      const { result } = await codeFlow(c, auth, { par: true });
      expect(result.access_token, 'an access token');
    },
  ],
  [
    'DPoP-bound tokens at UserInfo (nonce retry)',
    async () => {
      const [c, auth] = await registered({ dpop_bound_access_tokens: true });
      const dpop = oauth.DPoP(c, await oauth.generateKeyPair('ES256'));
      const retriesBefore = nonceRetries;
      const { result, claims } = await codeFlow(c, auth, { dpop });
      // The provider demands server nonces: the token request went through the retry.
      expect(nonceRetries > retriesBefore, 'the provider asked for no DPoP nonce');
      expect(result.token_type.toLowerCase() === 'dpop', `token_type ${result.token_type}`);
      const info = await withNonceRetry(dpop, () =>
        oauth.userInfoRequest(as, c, result.access_token, { ...insecure, DPoP: dpop }).then((r) => oauth.processUserInfoResponse(as, c, claims.sub, r)),
      );
      expect(info.sub === claims.sub, 'UserInfo sub');
    },
  ],
  [
    'introspection and revocation',
    async () => {
      const [c, auth] = await registered();
      const { result } = await codeFlow(c, auth);
      // The resource server introspects when the provider has one for it, else the client.
      const rs = await introspector();
      const [ic, iauth] = rs
        ? [{ client_id: rs.clientId, token_endpoint_auth_signing_alg: 'ES256' }, oauth.PrivateKeyJwt({ key: rs.key, kid: rs.kid })]
        : [c, auth];
      const introspect = () =>
        oauth.introspectionRequest(as, ic, iauth, result.access_token, insecure).then((r) => oauth.processIntrospectionResponse(as, ic, r));
      expect((await introspect()).active === true, 'active before revocation');
      await oauth.revocationRequest(as, c, auth, result.access_token, insecure).then(oauth.processRevocationResponse);
      expect((await introspect()).active === false, 'inactive after revocation');
    },
  ],

  // The negatives: each answered with the RFC's error code.
  [
    'negative: wrong client secret is invalid_client',
    async () => {
      const [c] = await registered({ grant_types: ['client_credentials'], redirect_uris: undefined, response_types: [] });
      const [status, body] = await tokenRequest({ grant_type: 'client_credentials' }, basic(c.client_id, 'not-the-secret'));
      // RFC 6749 §5.2: invalid_client, 401 when the client authenticated with the
      // Authorization header.
      expect(status === 401 && body.error === 'invalid_client', `${status} ${JSON.stringify(body)}`);
    },
  ],
  [
    'negative: replayed code is invalid_grant',
    async () => {
      const [c, auth, reg] = await registered();
      const { callback, verifier } = await codeFlow(c, auth);
      const code = callback.searchParams.get('code');
      const [status, body] = await tokenRequest(
        { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier },
        basic(c.client_id, reg.client_secret),
      );
      // RFC 6749 §4.1.2, §5.2: a code is used once.
      expect(status === 400 && body.error === 'invalid_grant', `${status} ${JSON.stringify(body)}`);
    },
  ],
  [
    'negative: PKCE mismatch is invalid_grant',
    async () => {
      const [c, , reg] = await registered();
      const { url } = await authorizationRequest(c);
      const callback = await signIn(driver, url);
      const [status, body] = await tokenRequest(
        {
          grant_type: 'authorization_code',
          code: callback.searchParams.get('code'),
          redirect_uri: REDIRECT_URI,
          code_verifier: oauth.generateRandomCodeVerifier(),
        },
        basic(c.client_id, reg.client_secret),
      );
      // RFC 7636 §4.6.
      expect(status === 400 && body.error === 'invalid_grant', `${status} ${JSON.stringify(body)}`);
    },
  ],
  [
    'negative: mismatched redirect URI is shown on the page, not redirected',
    async () => {
      const [c] = await registered();
      const { url } = await authorizationRequest(c, { redirect_uri: 'http://127.0.0.1:9/elsewhere' });
      const landing = await new UserAgent(driver).open(url.href, 'http://127.0.0.1:9/');
      // RFC 6749 §4.1.2.1: the user agent is not sent to an unregistered redirect URI.
      expect(landing.kind === 'page', `redirected to ${landing.url}`);
      expect(landing.status >= 400 && landing.status < 500, `status ${landing.status}`);
      expect(/redirect_uri/i.test(landing.html), 'the page names the redirect URI problem');
      expect(!/\bat [\w:/.]+:\d+:\d+/.test(landing.html) && !/panicked/.test(landing.html), 'no stack trace on the page');
    },
  ],
  [
    'negative: replayed DPoP proof is invalid_dpop_proof',
    async () => {
      // At the token endpoint (RFC 9449 §5, §11.1): a client credentials request with a DPoP
      // proof, then the very same request and proof again.
      const [c, , reg] = await registered({ grant_types: ['client_credentials'], redirect_uris: undefined, response_types: [] });
      const keyPair = await oauth.generateKeyPair('ES256', { extractable: true });
      const htu = as.token_endpoint;
      const proof = (nonce) => dpopProof(keyPair, 'POST', htu, { jti: oauth.generateRandomState(), nonce });
      const send = (p) => tokenRequest({ grant_type: 'client_credentials' }, { ...basic(c.client_id, reg.client_secret), dpop: p });
      // A first proof tells whether the server wants a nonce (RFC 9449 §8).
      let used = await proof();
      let [status, body, headers] = await send(used);
      if (status === 400 && body.error === 'use_dpop_nonce') {
        used = await proof(headers.get('dpop-nonce'));
        [status, body] = await send(used);
      }
      expect(status === 200 && body.token_type?.toLowerCase() === 'dpop', `first use of the proof: ${status} ${JSON.stringify(body)}`);
      [status, body] = await send(used);
      expect(status === 400 && body.error === 'invalid_dpop_proof', `replay: ${status} ${JSON.stringify(body)}`);
    },
  ],
];

await runChecks('oauth4webapi', checks, only);
