// Verifies JWSs with the npm package `jose` (the peer), for the project's interop tests.
//
// stdin:  a JSON array of cases in the JWS vector schema (vectors/README.md): name, alg,
//         keys (public JWKs or oct keys, one per signature, in order), serialization, jws,
//         payload_b64, detached.
// stdout: a JSON array of { "name", "ok", "error" }, one per case, in input order. "error" is
//         "" when ok.
// Exit status: 0 whenever the input could be read, even when cases fail; 2 on unreadable input.
//
// A case is ok when the peer accepts every signature with the key at the same position (each
// signature on its own, and, for general JSON, also through the peer's general verifier) and
// returns exactly the payload octets of payload_b64. The algorithm allow-list for a signature
// is the key's `alg` when it has one, else the signature header's `alg`.
//
// Usage: node tests/interop/verify_node_jose.mjs < cases.json   (after tests/interop/setup.sh)

import * as jose from 'jose';

const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];
const decoder = new TextDecoder();

function b64d(s) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('payload_b64 is not base64url');
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

function sameBytes(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function publicJwk(jwk) {
  if (jwk.kty === 'oct' || !PRIVATE.some((m) => m in jwk)) return jwk;
  const pub = Object.fromEntries(Object.entries(jwk).filter(([m]) => !PRIVATE.includes(m)));
  delete pub.key_ops; // operations of a private key (sign) do not fit the public half
  return pub;
}

function headerOf(sig) {
  const prot = sig.protected ? JSON.parse(decoder.decode(b64d(sig.protected))) : {};
  return { ...(sig.header ?? {}), ...prot };
}

async function verifyFlattened(flat, jwk, payload, detached) {
  const header = headerOf(flat);
  const alg = jwk.alg ?? header.alg;
  const key = await jose.importJWK(publicJwk(jwk), alg);
  let input = flat;
  if (detached) {
    if ('payload' in flat) throw new Error('detached case carries a payload');
    // RFC 7797: with b64 false the detached content goes in as raw octets.
    input = { ...flat, payload: header.b64 === false ? payload : jose.base64url.encode(payload) };
  }
  const res = await jose.flattenedVerify(input, key, { algorithms: [alg] });
  if (!sameBytes(res.payload, payload)) throw new Error('verified payload differs from payload_b64');
}

async function check(c) {
  const payload = b64d(c.payload_b64 ?? '');
  const keys = c.keys ?? [];
  if (typeof c.jws === 'string') {
    const parts = c.jws.split('.');
    if (parts.length !== 3) throw new Error('compact JWS must have three parts');
    if (keys.length !== 1) throw new Error(`compact JWS needs one key, got ${keys.length}`);
    const [h, p, s] = parts;
    if (c.detached) {
      if (p !== '') throw new Error('detached compact JWS has a payload part');
      await verifyFlattened({ protected: h, signature: s }, keys[0], payload, true);
    } else {
      const alg = keys[0].alg ?? headerOf({ protected: h }).alg;
      const key = await jose.importJWK(publicJwk(keys[0]), alg);
      const res = await jose.compactVerify(c.jws, key, { algorithms: [alg] });
      if (!sameBytes(res.payload, payload)) throw new Error('verified payload differs from payload_b64');
    }
    return;
  }
  if (c.jws === null || typeof c.jws !== 'object') throw new Error('jws is neither a string nor an object');
  if (Array.isArray(c.jws.signatures)) {
    const sigs = c.jws.signatures;
    if (sigs.length === 0 || sigs.length !== keys.length) {
      throw new Error(`${sigs.length} signatures but ${keys.length} keys`);
    }
    for (const [i, sig] of sigs.entries()) {
      const flat = { ...sig };
      if ('payload' in c.jws) flat.payload = c.jws.payload;
      try {
        await verifyFlattened(flat, keys[i], payload, c.detached);
      } catch (e) {
        throw new Error(`signature ${i}: ${e.message}`);
      }
      if (!c.detached) {
        // The peer's own general-serialization path, with the same key.
        const alg = keys[i].alg ?? headerOf(sig).alg;
        const res = await jose.generalVerify(c.jws, await jose.importJWK(publicJwk(keys[i]), alg), { algorithms: [alg] });
        if (!sameBytes(res.payload, payload)) throw new Error(`signature ${i}: general verify payload differs`);
      }
    }
    return;
  }
  if (keys.length !== 1) throw new Error(`flattened JWS needs one key, got ${keys.length}`);
  await verifyFlattened(c.jws, keys[0], payload, c.detached);
}

let cases;
try {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  if (!Array.isArray(cases)) throw new Error('input is not a JSON array');
} catch (e) {
  console.error(`verify_node_jose: unreadable input: ${e.message}`);
  process.exit(2);
}

const results = [];
for (const c of cases) {
  try {
    await check(c);
    results.push({ name: c?.name ?? null, ok: true, error: '' });
  } catch (e) {
    results.push({ name: c?.name ?? null, ok: false, error: `${e.code ? `${e.code}: ` : ''}${e.message}` });
  }
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
