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

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider, { errors } from 'oidc-provider';

// Every secret is `<client_id>-secret-0123456789abcdef0123456789` (the generator derives it).
const secret = (id) => `${id}-secret-0123456789abcdef0123456789`;

function privateJwk(type, options, kid) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig' };
}

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

let handler = (_req, res) => { res.statusCode = 503; res.end(); };
const server = createServer((req, res) => handler(req, res));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients,
    jwks: { keys: signingKeys },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub'],
      profile: ['name'],
      email: ['email', 'email_verified'],
    },
    scopes: ['openid', 'profile', 'email', 'api:read'],
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, name: `User ${id}`, email: `${id}@example.com`, email_verified: true };
        },
      };
    },
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
  });
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));
  handler = provider.callback();
  process.stdout.write(`READY ${port}\n`);
});

// The parent closes stdin (or dies): stop.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
