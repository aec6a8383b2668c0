// Generates vectors/jws/cross-node-jose.json: JWSs signed by the npm package `jose` with fresh
// keys, in the project's JWS vector schema (see vectors/README.md).
//
// Usage: node tests/interop/gen_node_jose.mjs [OUTPUT]   (after `bash tests/interop/setup.sh`)
//
// The output is not reproducible (fresh keys, randomized ECDSA/PSS); it is generated once and
// committed, and the project's vector tests verify it.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as jose from 'jose';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? join(here, '..', '..', 'vectors', 'jws', 'cross-node-jose.json');
const joseVersion = JSON.parse(readFileSync(join(here, 'node_modules', 'jose', 'package.json'), 'utf8')).version;

const ALGS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512', 'ES256K', 'EdDSA'];
const DETERMINISTIC = (alg) => /^(HS|RS)/.test(alg) || alg === 'EdDSA';

const enc = new TextEncoder();
const b64 = (bytes) => Buffer.from(bytes).toString('base64url');
const claims = enc.encode(JSON.stringify({
  iss: 'https://peer.example', sub: 'alice', aud: 'authcore', iat: 1700000000, exp: 4100000000,
}));
const flatPayload = enc.encode('flattened JSON payload from node jose');
const generalPayload = enc.encode('{"msg":"two signatures","n":2}');
const detachedPayload = enc.encode('detached payload, not in the JWS: caf\u00e9 \u2713');

async function makeKey(alg) {
  const kid = `node-jose-${alg.toLowerCase()}`;
  let priv;
  let pub;
  if (alg.startsWith('HS')) {
    priv = pub = await jose.generateSecret(alg, { extractable: true });
  } else if (alg === 'EdDSA') {
    ({ privateKey: priv, publicKey: pub } = await jose.generateKeyPair(alg, { crv: 'Ed25519', extractable: true }));
  } else {
    ({ privateKey: priv, publicKey: pub } = await jose.generateKeyPair(alg, { modulusLength: 2048, extractable: true }));
  }
  const jwk = { ...(await jose.exportJWK(priv)), alg, kid };
  // Check the export round-trips before using it in a vector.
  await jose.importJWK(jwk, alg);
  return { alg, kid, priv, pub, jwk };
}

const keys = [];
const unsupported = [];
for (const alg of ALGS) {
  try {
    keys.push(await makeKey(alg));
  } catch (e) {
    unsupported.push(alg);
    console.error(`jose ${joseVersion}: ${alg} not supported here (${e.code ?? e.name}: ${e.message})`);
  }
}

const cases = [];
for (const k of keys) {
  const det = DETERMINISTIC(k.alg);

  const compact = await new jose.CompactSign(claims)
    .setProtectedHeader({ alg: k.alg, kid: k.kid, typ: 'JWT' })
    .sign(k.priv);
  cases.push({
    name: `${k.alg} compact JWT`, alg: k.alg, keys: [k.jwk], serialization: 'compact', jws: compact,
    payload_b64: b64(claims), detached: false, unencoded: false, expect: 'valid', deterministic: det,
    note: 'payload is a JWT claims set; header {alg, kid, typ: JWT}',
  });

  const flattened = await new jose.FlattenedSign(flatPayload)
    .setProtectedHeader({ alg: k.alg })
    .setUnprotectedHeader({ kid: k.kid })
    .sign(k.priv);
  cases.push({
    name: `${k.alg} flattened JSON`, alg: k.alg, keys: [k.jwk], serialization: 'flattened', jws: flattened,
    payload_b64: b64(flatPayload), detached: false, unencoded: false, expect: 'valid', deterministic: det,
    note: 'alg in the protected header, kid in the unprotected header',
  });

  const full = await new jose.CompactSign(detachedPayload)
    .setProtectedHeader({ alg: k.alg, kid: k.kid })
    .sign(k.priv);
  const [h, , s] = full.split('.');
  cases.push({
    name: `${k.alg} compact with detached payload`, alg: k.alg, keys: [k.jwk], serialization: 'compact',
    jws: `${h}..${s}`, payload_b64: b64(detachedPayload), detached: true, unencoded: false,
    expect: 'valid', deterministic: det,
    note: 'signed as an ordinary compact JWS, then the payload part was emptied (RFC 7515 Appendix F)',
  });
}

// General JSON with two signatures: each algorithm paired with the next one in the list.
for (let i = 0; i < keys.length && keys.length > 1; i++) {
  const a = keys[i];
  const b = keys[(i + 1) % keys.length];
  const sig = new jose.GeneralSign(generalPayload);
  sig.addSignature(a.priv).setProtectedHeader({ alg: a.alg }).setUnprotectedHeader({ kid: a.kid });
  sig.addSignature(b.priv).setProtectedHeader({ alg: b.alg, kid: b.kid });
  const general = await sig.sign();
  cases.push({
    name: `${a.alg} + ${b.alg} general JSON`, alg: a.alg, algs: [a.alg, b.alg], keys: [a.jwk, b.jwk],
    serialization: 'general', jws: general, payload_b64: b64(generalPayload), detached: false,
    unencoded: false, expect: 'valid', deterministic: DETERMINISTIC(a.alg) || DETERMINISTIC(b.alg),
    note: 'first signature: alg protected, kid unprotected; second: alg and kid protected; keys in signature order',
  });
}

// Check every case with jose itself (public keys) before writing.
const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];
const verifier = (jwk, alg) => jose.importJWK(
  jwk.kty === 'oct' ? jwk : Object.fromEntries(Object.entries(jwk).filter(([m]) => !PRIVATE.includes(m))), alg);
for (const c of cases) {
  const sigs = c.serialization === 'general' ? c.jws.signatures.map((s) => ({ ...s, payload: c.jws.payload })) : null;
  if (sigs) {
    for (const [i, s] of sigs.entries()) {
      await jose.flattenedVerify(s, await verifier(c.keys[i], c.algs[i]));
    }
  } else if (c.serialization === 'flattened') {
    await jose.flattenedVerify(c.jws, await verifier(c.keys[0], c.alg));
  } else {
    const [h, p, s] = c.jws.split('.');
    await jose.compactVerify(`${h}.${p || c.payload_b64}.${s}`, await verifier(c.keys[0], c.alg));
  }
}

const doc = {
  source: `npm package jose ${joseVersion} (Node.js ${process.versions.node}), fresh keys, generated by tests/interop/gen_node_jose.mjs`,
  url: 'https://github.com/panva/jose',
  license: 'Generated test data: keys and signatures made for this project by running the peer library; no third-party text.',
  note: `Algorithms requested: ${ALGS.join(' ')}. Not supported by this peer: ${unsupported.join(' ') || 'none'}. RSA keys are 2048 bits. Keys are the private JWKs with alg and kid set.`,
  generated_with: { package: 'jose', version: joseVersion, runtime: `node ${process.versions.node}` },
  unsupported_algs: unsupported,
  cases,
};
writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
console.error(`wrote ${cases.length} cases to ${out}`);
