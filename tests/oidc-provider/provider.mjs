// The OpenID provider the authcore interop tests run against: node `oidc-provider` on
// 127.0.0.1, a free port, fresh signing keys per run, and one client per case.
//
// Usage: node provider.mjs   (optional environment: BACKCHANNEL_LOGOUT_URI, ISSUER_HOST,
// LOGIN_APP_CLIENT)
// Prints `READY <port>` on stdout once it accepts connections. Exits when stdin closes, so
// it cannot outlive the test process that started it.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

import { baseConfiguration, privateJwk, secret, serve } from './peer.mjs';

const REDIRECT_URI = 'https://client.example/cb';
const POST_LOGOUT_REDIRECT_URI = 'https://client.example/logged-out';
const SCOPE = 'openid profile email api:read';

// One key per family; the RSA key (no `alg`) serves RS256 and PS256.
const signingKeys = [
  privateJwk('rsa', { modulusLength: 2048 }, 'op-rsa'),
  privateJwk('ec', { namedCurve: 'P-256' }, 'op-p256'),
  privateJwk('ed25519', {}, 'op-ed25519'),
];

const clientKeys = JSON.parse(readFileSync(new URL('./client-keys.json', import.meta.url)));
const clientPublicKeys = {
  keys: clientKeys.keys.map(({ d, ...pub }) => pub),
};

const common = {
  redirect_uris: [REDIRECT_URI],
  post_logout_redirect_uris: [POST_LOGOUT_REDIRECT_URI],
  response_types: ['code'],
  grant_types: [
    'authorization_code',
    'refresh_token',
    'client_credentials',
    'urn:ietf:params:oauth:grant-type:device_code',
  ],
  scope: SCOPE,
};

const clients = [
  { ...common, client_id: 'basic', client_secret: secret('basic'), token_endpoint_auth_method: 'client_secret_basic' },
  ...['RS256', 'PS256', 'ES256', 'EdDSA'].map((alg) => ({
    ...common,
    client_id: `idtoken-${alg.toLowerCase()}`,
    client_secret: secret(`idtoken-${alg.toLowerCase()}`),
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: alg,
  })),
  {
    ...common,
    client_id: 'pkjwt',
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: clientPublicKeys,
  },
  // Authentication requests in signed request objects (OpenID Connect Core §6, RFC 9101),
  // by value and pushed, with the client key of client-keys.json.
  {
    ...common,
    client_id: 'jar',
    client_secret: secret('jar'),
    token_endpoint_auth_method: 'client_secret_basic',
    request_object_signing_alg: 'ES256',
    jwks: clientPublicKeys,
  },
  {
    ...common,
    client_id: 'csjwt',
    client_secret: secret('csjwt'),
    token_endpoint_auth_method: 'client_secret_jwt',
    token_endpoint_auth_signing_alg: 'HS256',
  },
  {
    ...common,
    client_id: 'dpop',
    client_secret: secret('dpop'),
    token_endpoint_auth_method: 'client_secret_basic',
    dpop_bound_access_tokens: true,
  },
  // A native public client with a loopback redirect URI (RFC 8252 §7.3: any port), for the
  // command-line `authcore login`.
  {
    client_id: 'native',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://127.0.0.1/cb'],
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: SCOPE,
  },
];

// The login layer's example application (tests/tests/login_browser.rs): a confidential web
// client `login-app` whose URIs (redirect, post-logout redirect, back-channel logout) name the
// port the application listens on, given as JSON client metadata in LOGIN_APP_CLIENT.
if (process.env.LOGIN_APP_CLIENT) {
  const app = JSON.parse(process.env.LOGIN_APP_CLIENT);
  clients.push({
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: SCOPE,
    token_endpoint_auth_method: 'client_secret_basic',
    backchannel_logout_session_required: true,
    ...app,
    client_id: 'login-app',
    client_secret: secret('login-app'),
  });
}

/** The back-channel logout receivers on loopback the provider may POST to. */
const loopbackReceivers = new Set(
  [process.env.BACKCHANNEL_LOGOUT_URI, ...clients.map((c) => c.backchannel_logout_uri)].filter(Boolean),
);

if (process.env.BACKCHANNEL_LOGOUT_URI) {
  clients.push({
    ...common,
    client_id: 'bclogout',
    client_secret: secret('bclogout'),
    token_endpoint_auth_method: 'client_secret_basic',
    backchannel_logout_uri: process.env.BACKCHANNEL_LOGOUT_URI,
    backchannel_logout_session_required: true,
  });
}

serve((port) => {
  // The issuer's host name: 127.0.0.1 unless ISSUER_HOST says otherwise (the server listens
  // on 127.0.0.1 either way).
  const issuer = `http://${process.env.ISSUER_HOST ?? '127.0.0.1'}:${port}`;

  const provider = new Provider(issuer, {
    ...baseConfiguration(),
    clients,
    jwks: { keys: signingKeys },
    // Refresh tokens for every client allowed the grant, without `offline_access` and its
    // consent prompt: the tests exercise the refresh exchange, not the consent policy.
    async issueRefreshToken(_ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    // The provider refuses outgoing requests to special-use addresses (its SSRF guard); the
    // tests' back-channel logout receivers are on loopback, so the guard is lifted for exactly
    // those URLs and kept for every other.
    fetch(url, options) {
      if (loopbackReceivers.has(String(url))) {
        const { dispatcher: _guard, ...rest } = options;
        return globalThis.fetch(url, rest);
      }
      return globalThis.fetch(url, options);
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      clientAuthSigningAlgValues: ['HS256', 'ES256', 'RS256', 'PS256', 'EdDSA'],
      dPoPSigningAlgValues: ['ES256', 'EdDSA'],
      requestObjectSigningAlgValues: ['ES256', 'EdDSA', 'RS256', 'PS256'],
    },
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      requestObjects: { enabled: true },
      // Nonces always required, so every DPoP exchange goes through the nonce retry.
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      backchannelLogout: { enabled: true },
      userinfo: { enabled: true },
    },
  });
  provider.on('backchannel.error', (_ctx, err, client) => console.error('backchannel.error', client.clientId, err));
  return provider;
});
