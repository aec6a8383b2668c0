// npm `openid-client` (an OpenID Certified relying party) against a provider: every flow the
// interop test asks of it, each a named check. Clients are registered dynamically (RFC 7591),
// so the provider needs open registration (`authcore serve --dev` has it).
//
// Usage: node openid_client_rp.mjs ISSUER [DRIVER] [CHECK...]
// Prints a JSON array of {name, ok, error} on stdout (common.mjs runChecks).

import * as client from 'openid-client';

import {
  DEVICE_GRANT,
  POST_LOGOUT_REDIRECT_URI,
  REDIRECT_URI,
  REGISTERED_SCOPE,
  SCOPE,
  commandLine,
  expect,
  expectError,
  introspector,
  runChecks,
  signIn,
  userAgent,
} from './common.mjs';
import { UserAgent } from './user_agent.mjs';

const { issuer, driver, only } = commandLine();
const insecure = { execute: [client.allowInsecureRequests] };

/** A client registered through openid-client's own registration, with `metadata` on top. */
async function registered(metadata = {}, auth) {
  const config = await client.dynamicClientRegistration(
    issuer,
    {
      client_name: 'openid-client interop',
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
    undefined,
    insecure,
  );
  const meta = config.clientMetadata();
  // The configuration's client authentication follows the registered method.
  const method = auth ?? (meta.client_secret ? client.ClientSecretBasic(meta.client_secret) : client.None());
  return client.discovery(issuer, meta.client_id, meta, method, insecure);
}

/**
 * The authorization code flow with PKCE (S256), `state` and `nonce`: the user signs in
 * through the provider's pages; the code is exchanged and the ID token validated by
 * openid-client (signature with the provider's JWKS for the registered algorithm, iss, aud,
 * exp, iat, nonce).
 */
async function codeFlow(config, { extra = {}, par = false, dpop } = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const params = {
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    ...extra,
  };
  const url = par
    ? await client.buildAuthorizationUrlWithPAR(config, params, { DPoP: dpop })
    : client.buildAuthorizationUrl(config, params);
  if (par) {
    // RFC 9126 §4: the front channel carries only client_id and request_uri.
    expect(
      [...url.searchParams.keys()].sort().join(' ') === 'client_id request_uri',
      `PAR authorization URL carries ${[...url.searchParams.keys()]}`,
    );
  }
  const callback = await signIn(driver, url);
  const tokens = await client.authorizationCodeGrant(
    config,
    callback,
    { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state, idTokenExpected: true },
    undefined,
    { DPoP: dpop },
  );
  const claims = tokens.claims();
  expect(claims?.nonce === nonce, 'ID token nonce');
  expect(claims?.sub, 'ID token sub');
  return { tokens, claims };
}

/** The configuration that introspects: the resource server's when there is one, else `config`. */
async function introspecting(config) {
  const rs = await introspector();
  if (!rs) return config;
  return client.discovery(
    issuer,
    rs.clientId,
    { token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256' },
    client.PrivateKeyJwt({ key: rs.key, kid: rs.kid }),
    insecure,
  );
}

/** The `alg` of a compact JWS's protected header. */
function jwsAlg(jws) {
  return JSON.parse(Buffer.from(jws.split('.')[0], 'base64url')).alg;
}

const checks = [
  [
    'discovery',
    async () => {
      const config = await client.discovery(issuer, 'none-yet', undefined, undefined, insecure);
      const m = config.serverMetadata();
      expect(m.issuer === issuer.href.replace(/\/$/, '') || m.issuer === issuer.href, `issuer ${m.issuer}`);
      for (const member of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'registration_endpoint']) {
        expect(typeof m[member] === 'string', `metadata has no ${member}`);
      }
      expect(m.code_challenge_methods_supported?.includes('S256'), 'S256 advertised');
    },
  ],
  [
    'dynamic registration',
    async () => {
      const config = await registered();
      const meta = config.clientMetadata();
      expect(meta.client_id && meta.client_secret, 'client_id and client_secret issued');
      expect(meta.redirect_uris?.[0] === REDIRECT_URI, 'redirect_uris echoed');
    },
  ],
  ...['RS256', 'ES256', 'EdDSA'].map((alg) => [
    `code + PKCE + nonce, ID token ${alg}, UserInfo`,
    async () => {
      const config = await registered({ id_token_signed_response_alg: alg });
      const { tokens, claims } = await codeFlow(config);
      expect(jwsAlg(tokens.id_token) === alg, `ID token signed with ${jwsAlg(tokens.id_token)}`);
      expect(claims.aud === config.clientMetadata().client_id || claims.aud?.includes?.(config.clientMetadata().client_id), 'aud');
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      expect(info.sub === claims.sub, 'UserInfo sub');
    },
  ]),
  [
    'refresh with rotation',
    async () => {
      const config = await registered();
      const { tokens, claims } = await codeFlow(config, { extra: { scope: `${SCOPE} offline_access`, prompt: 'consent' } });
      expect(tokens.refresh_token, 'a refresh token was issued');
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
      expect(refreshed.access_token && refreshed.access_token !== tokens.access_token, 'a new access token');
      expect(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token, 'the refresh token was rotated');
      if (refreshed.id_token) expect(refreshed.claims().sub === claims.sub, 'refreshed ID token sub');
      // RFC 9700 §4.14.2: the replaced refresh token is refused.
      await expectError('invalid_grant', () => client.refreshTokenGrant(config, tokens.refresh_token));
    },
  ],
  [
    'client credentials',
    async () => {
      const config = await registered({ grant_types: ['client_credentials'], redirect_uris: undefined, response_types: [] });
      const tokens = await client.clientCredentialsGrant(config, { scope: 'profile' });
      expect(tokens.access_token && tokens.token_type.toLowerCase() === 'bearer', 'a bearer token');
      expect(!tokens.refresh_token, 'no refresh token for client credentials (RFC 6749 §4.4.3)');
    },
  ],
  [
    'device flow',
    async () => {
      const config = await registered({ grant_types: [DEVICE_GRANT, 'refresh_token'], redirect_uris: undefined, response_types: [] });
      const device = await client.initiateDeviceAuthorization(config, { scope: SCOPE });
      expect(device.user_code && device.verification_uri, 'user_code and verification_uri');
      const approval = userAgent(driver).approveDevice(device.verification_uri, device.user_code);
      const [tokens] = await Promise.all([client.pollDeviceAuthorizationGrant(config, device), approval]);
      expect(tokens.access_token, 'an access token');
      if (tokens.id_token) expect(tokens.claims().sub, 'ID token sub');
    },
  ],
  [
    'PAR',
    async () => {
      const config = await registered();
      const { tokens } = await codeFlow(config, { par: true });
      expect(tokens.access_token, 'an access token');
    },
  ],
  [
    'DPoP-bound tokens at UserInfo (nonce retry)',
    async () => {
      const config = await registered({ dpop_bound_access_tokens: true });
      // Counts the provider's demands for a DPoP nonce (RFC 9449 §8, §9: an error with a
      // DPoP-Nonce header), which openid-client answers by retrying.
      let nonceDemands = 0;
      config[client.customFetch] = async (url, options) => {
        const resp = await fetch(url, options);
        if ((resp.status === 400 || resp.status === 401) && resp.headers.get('dpop-nonce')) nonceDemands += 1;
        return resp;
      };
      const keyPair = await client.randomDPoPKeyPair('ES256');
      const dpop = client.getDPoPHandle(config, keyPair);
      const { tokens, claims } = await codeFlow(config, { dpop });
      expect(tokens.token_type.toLowerCase() === 'dpop', `token_type ${tokens.token_type}`);
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP: dpop });
      expect(info.sub === claims.sub, 'UserInfo sub');
      expect(nonceDemands > 0, 'the provider asked for no DPoP nonce');
      // The token is bound: as a Bearer token it is refused (RFC 9449 §7.1).
      await expectError('invalid_token', () => client.fetchUserInfo(config, tokens.access_token, claims.sub));
    },
  ],
  [
    'private_key_jwt',
    async () => {
      const { publicKey, privateKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const jwk = { ...(await crypto.subtle.exportKey('jwk', publicKey)), kid: 'rp-es256', alg: 'ES256', use: 'sig' };
      delete jwk.key_ops;
      delete jwk.ext;
      const auth = client.PrivateKeyJwt({ key: privateKey, kid: 'rp-es256' });
      const config = await registered(
        {
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'ES256',
          jwks: { keys: [jwk] },
          grant_types: ['authorization_code', 'client_credentials'],
        },
        auth,
      );
      const { tokens } = await codeFlow(config);
      expect(tokens.access_token, 'code exchanged with private_key_jwt');
      const cc = await client.clientCredentialsGrant(config, {});
      expect(cc.access_token, 'client credentials with private_key_jwt');
    },
  ],
  [
    'introspection and revocation',
    async () => {
      const config = await registered();
      const { tokens } = await codeFlow(config, { extra: { scope: `${SCOPE} offline_access`, prompt: 'consent' } });
      const rs = await introspecting(config);
      const active = await client.tokenIntrospection(rs, tokens.access_token);
      expect(active.active === true, 'access token active');
      expect(active.client_id === config.clientMetadata().client_id, 'introspected client_id');
      await client.tokenRevocation(config, tokens.access_token);
      const revoked = await client.tokenIntrospection(rs, tokens.access_token);
      expect(revoked.active === false, 'revoked access token inactive');
      if (tokens.refresh_token) {
        await client.tokenRevocation(config, tokens.refresh_token, { token_type_hint: 'refresh_token' });
        const gone = await client.tokenIntrospection(rs, tokens.refresh_token);
        expect(gone.active === false, 'revoked refresh token inactive');
      }
    },
  ],
  [
    'RP-initiated logout',
    async () => {
      const config = await registered();
      const ua = new UserAgent(driver);
      const verifier = client.randomPKCECodeVerifier();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: SCOPE,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        nonce,
      });
      const callback = new URL(await ua.authorize(url.href, REDIRECT_URI));
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, idTokenExpected: true });
      const state = client.randomState();
      const logout = client.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token,
        post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI,
        state,
      });
      // The same user agent (its session cookie) logs out and is sent back with `state`.
      const back = new URL(await ua.logout(logout.href, POST_LOGOUT_REDIRECT_URI));
      expect(back.searchParams.get('state') === state, `post-logout redirect state: ${back}`);
      // The session is gone: prompt=none now answers login_required (OpenID Connect Core §3.1.2.6).
      const silent = client.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: SCOPE,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        prompt: 'none',
      });
      const answer = new URL(await ua.authorize(silent.href, REDIRECT_URI));
      expect(answer.searchParams.get('error') === 'login_required', `prompt=none after logout: ${answer}`);
    },
  ],
];

await runChecks('openid-client', checks, only);
