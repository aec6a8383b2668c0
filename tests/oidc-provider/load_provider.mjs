// node oidc-provider configured as the load generator's peer (crates/authcore-load): the
// same clients, resource servers and cases as `authcore serve` with
// crates/authcore-load/serve-load.toml, on oidc-provider's default in-memory adapter.
//
//   (a) client credentials for https://opaque.load.test: opaque access tokens
//   (b) client credentials for https://jwt.load.test: JWT access tokens signed ES256
//   (c) code flow with PKCE S256 (devInteractions: login and consent forms once per session)
//   (d) introspection of (a)'s tokens by load-introspector
//   (e) UserInfo with (c)'s access token
//
// Usage: node load_provider.mjs. Prints `READY <port>` on stdout once it accepts connections
// on 127.0.0.1 and a free port; exits when stdin closes, so it cannot outlive its parent.

import Provider, { errors } from 'oidc-provider';

import { baseConfiguration, privateJwk, secret, serve } from './peer.mjs';

// RS256 signs ID tokens (the OpenID Connect default, as in authcore serve); ES256 signs the
// JWT access tokens.
const signingKeys = [
  privateJwk('rsa', { modulusLength: 2048 }, 'load-rsa'),
  privateJwk('ec', { namedCurve: 'P-256' }, 'load-p256'),
];

const resourceServers = {
  'https://opaque.load.test': { scope: 'api:read', accessTokenFormat: 'opaque' },
  'https://jwt.load.test': { scope: 'api:read', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } },
};

const service = (id) => ({
  client_id: id,
  client_secret: secret(id),
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  scope: 'api:read',
});

const clients = [
  service('load-service'),
  service('load-introspector'),
  {
    client_id: 'load-web',
    client_secret: secret('load-web'),
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['https://client.load.test/cb'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    scope: 'openid profile email',
  },
];

serve((port) => new Provider(`http://127.0.0.1:${port}`, {
  ...baseConfiguration(),
  clients,
  jwks: { keys: signingKeys },
  pkce: { required: () => true },
  enabledJWA: {
    idTokenSigningAlgValues: ['RS256', 'ES256'],
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    userinfo: { enabled: true },
    // As in authcore serve, only the resource server's client introspects.
    introspection: {
      enabled: true,
      allowedPolicy: async (ctx) => ctx.oidc.client.clientId === 'load-introspector',
    },
    resourceIndicators: {
      enabled: true,
      // The code flow asks for no resource: its access token is for UserInfo.
      defaultResource: () => undefined,
      useGrantedResource: () => false,
      async getResourceServerInfo(_ctx, resourceIndicator) {
        const info = resourceServers[resourceIndicator];
        if (!info) throw new errors.InvalidTarget();
        return info;
      },
    },
  },
}));
