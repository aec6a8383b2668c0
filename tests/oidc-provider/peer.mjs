// What the two oidc-provider peers share (provider.mjs for the interop tests,
// load_provider.mjs for the load generator): the client secrets the Rust side derives, key
// generation, the accounts and claims, and the way the process serves and stops.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

/** Every secret is `<client_id>-secret-0123456789abcdef0123456789`: long enough for HS256
 * client assertions (RFC 7518 §3.2), and derivable by the tests and the load generator. */
export const secret = (id) => `${id}-secret-0123456789abcdef0123456789`;

/** A fresh private signing JWK of `type` (node's key generation `options`) named `kid`. */
export function privateJwk(type, options, kid) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig' };
}

/** The configuration both peers start from: fresh cookie keys, the scopes and claims, and
 * every account id an account (`User <id>`, `<id>@example.com`, verified), as
 * devInteractions signs in whoever is named. */
export function baseConfiguration() {
  return {
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
  };
}

/** Serves the provider `makeProvider(port)` returns on 127.0.0.1 and a free port (503 until
 * it is made), prints `READY <port>` on stdout once it accepts connections, logs its server
 * errors, and exits when stdin closes, so it cannot outlive the process that started it. */
export function serve(makeProvider) {
  let handler = (_req, res) => { res.statusCode = 503; res.end(); };
  const server = createServer((req, res) => handler(req, res));
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    const provider = makeProvider(port);
    provider.on('server_error', (_ctx, err) => console.error('server_error', err));
    handler = provider.callback();
    process.stdout.write(`READY ${port}\n`);
  });
  // The parent closes stdin (or dies): stop.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}
