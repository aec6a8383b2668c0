// Generates vectors/jwe/cross-node-jose.json: JWEs encrypted by the npm package `jose` with
// fresh keys, in the project's JWE vector schema (see vectors/README.md), for every
// key-management algorithm x content encryption of tests/interop/jwe_matrix.json that the peer
// has, in its three serializations (compact, flattened JSON, general JSON).
//
// Usage: node tests/interop/gen_jwe_node_jose.mjs [OUTPUT]   (after `bash tests/interop/setup.sh`)
//
// The output is not reproducible (fresh keys, random CEKs and IVs); it is generated once and
// committed, and the interop tests decrypt it (tests/tests/jwe_interop.rs).

import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as jose from 'jose';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? join(here, '..', '..', 'vectors', 'jwe', 'cross-node-jose.json');
const joseVersion = JSON.parse(readFileSync(join(here, 'node_modules', 'jose', 'package.json'), 'utf8')).version;
const matrix = JSON.parse(readFileSync(join(here, 'jwe_matrix.json'), 'utf8'));

const b64 = (bytes) => Buffer.from(bytes).toString('base64url');
const utf8 = new TextEncoder();
const COMPACT_PLAINTEXT = utf8.encode('compact JWE plaintext from node jose: caf\u00e9 \u2713');
const FLAT_PLAINTEXT = utf8.encode('{"msg":"flattened JSON JWE from node jose"}');
const GENERAL_PLAINTEXT = utf8.encode('general JSON JWE with two recipients from node jose');
const ZIP_PLAINTEXT = utf8.encode('compressible '.repeat(64));
const AAD = utf8.encode('additional authenticated data from node jose');

// A variant of the matrix: its name says which key it needs.
const variantName = (v) => (v.crv ? `${v.alg} ${v.crv}` : v.alg);
const kidOf = (v, enc) => `node-jose-${variantName(v).toLowerCase().replace(/[^a-z0-9]+/g, '-')}${enc ? `-${enc.toLowerCase()}` : ''}`;

// Makes the key for a variant (for `dir`, one per content encryption: the key is the CEK).
// Returns the key to encrypt with, the key to decrypt with, and the private JWK.
async function makeKey(v, enc, use = '') {
  const kid = kidOf(v, v.alg === 'dir' ? enc.enc : undefined) + use;
  if (v.kty === 'RSA') {
    const { publicKey, privateKey } = await jose.generateKeyPair(v.alg, { modulusLength: 2048, extractable: true });
    return { enc: publicKey, dec: privateKey, jwk: { ...(await jose.exportJWK(privateKey)), alg: v.alg, kid, use: 'enc' } };
  }
  if (v.kty === 'EC' || v.kty === 'OKP') {
    const { publicKey, privateKey } = await jose.generateKeyPair(v.alg, { crv: v.crv, extractable: true });
    return { enc: publicKey, dec: privateKey, jwk: { ...(await jose.exportJWK(privateKey)), alg: v.alg, kid, use: 'enc' } };
  }
  // oct: the key bytes (a password for PBES2, RFC 7518 §4.8.1.1; the CEK for dir).
  const bytes = v.password ? utf8.encode(randomBytes(12).toString('base64url')) : randomBytes(v.alg === 'dir' ? enc.bytes : v.bytes);
  return { enc: bytes, dec: bytes, jwk: { kty: 'oct', k: b64(bytes), alg: v.alg, kid, use: 'enc' } };
}

const cases = [];
const unsupported = [];
const wrapping = []; // keys of variants usable with several recipients (not dir, not ECDH-ES direct)

for (const v of matrix.key_management) {
  let firstKey = null;
  for (const e of matrix.content_encryption) {
    const key = firstKey && v.alg !== 'dir' ? firstKey : await makeKey(v, e).catch((err) => err);
    if (key instanceof Error) {
      unsupported.push(`${variantName(v)} (${key.code ?? key.name}: ${key.message})`);
      break;
    }
    firstKey = key;
    try {
      const jwe = await new jose.CompactEncrypt(COMPACT_PLAINTEXT)
        .setProtectedHeader({ alg: v.alg, enc: e.enc, kid: key.jwk.kid })
        .encrypt(key.enc);
      cases.push({
        name: `${variantName(v)} ${e.enc} compact`, alg: v.alg, enc: e.enc, serialization: 'compact', jwe,
        keys: [key.jwk], plaintext_b64: b64(COMPACT_PLAINTEXT), zip: false, expect: 'valid',
        note: 'protected header {alg, enc, kid}', dec: [key.dec],
      });
    } catch (err) {
      unsupported.push(`${variantName(v)} ${e.enc} (${err.code ?? err.name}: ${err.message})`);
    }
  }
  if (!firstKey || firstKey instanceof Error) continue;
  const key = v.alg === 'dir' ? await makeKey(v, { enc: 'A256GCM', bytes: 32 }, '-flattened') : firstKey;

  // Flattened JSON: enc protected, alg in the shared unprotected header, kid per recipient, aad.
  const flat = await new jose.FlattenedEncrypt(FLAT_PLAINTEXT)
    .setProtectedHeader({ enc: 'A256GCM' })
    .setSharedUnprotectedHeader({ alg: v.alg })
    .setUnprotectedHeader({ kid: key.jwk.kid })
    .setAdditionalAuthenticatedData(AAD)
    .encrypt(key.enc);
  cases.push({
    name: `${variantName(v)} A256GCM flattened JSON`, alg: v.alg, enc: 'A256GCM', serialization: 'flattened', jwe: flat,
    keys: [key.jwk], plaintext_b64: b64(FLAT_PLAINTEXT), aad_b64: b64(AAD), zip: false, expect: 'valid',
    note: 'enc protected, alg in the shared unprotected header, kid in the recipient header, with aad', dec: [key.dec],
  });

  // Compressed (RFC 7516 §4.1.3: zip only in the protected header).
  const zipKey = v.alg === 'dir' ? await makeKey(v, { enc: 'A128CBC-HS256', bytes: 32 }, '-zip') : key;
  const zipped = await new jose.CompactEncrypt(ZIP_PLAINTEXT)
    .setProtectedHeader({ alg: v.alg, enc: 'A128CBC-HS256', zip: 'DEF', kid: zipKey.jwk.kid })
    .encrypt(zipKey.enc)
    .catch((err) => err);
  if (zipped instanceof Error) {
    unsupported.push(`${variantName(v)} zip DEF (${zipped.code ?? zipped.name}: ${zipped.message})`);
  } else {
    cases.push({
      name: `${variantName(v)} A128CBC-HS256 compact zip DEF`, alg: v.alg, enc: 'A128CBC-HS256', serialization: 'compact',
      jwe: zipped, keys: [zipKey.jwk], plaintext_b64: b64(ZIP_PLAINTEXT), zip: true, expect: 'valid',
      note: 'protected header {alg, enc, zip: DEF, kid}; the plaintext was compressed with raw DEFLATE', dec: [zipKey.dec],
    });
  }
  if (v.alg !== 'dir' && v.alg !== 'ECDH-ES') wrapping.push({ v, key });
}

// General JSON with two recipients: each wrapping variant paired with the next one.
for (let i = 0; i < wrapping.length && wrapping.length > 1; i++) {
  const a = wrapping[i];
  const b = wrapping[(i + 1) % wrapping.length];
  const enc = i % 2 === 0 ? 'A128CBC-HS256' : 'A256GCM';
  const general = new jose.GeneralEncrypt(GENERAL_PLAINTEXT)
    .setProtectedHeader({ enc })
    .setSharedUnprotectedHeader({ cty: 'text/plain' })
    .setAdditionalAuthenticatedData(AAD);
  general.addRecipient(a.key.enc).setUnprotectedHeader({ alg: a.v.alg, kid: a.key.jwk.kid });
  general.addRecipient(b.key.enc).setUnprotectedHeader({ alg: b.v.alg, kid: b.key.jwk.kid });
  cases.push({
    name: `${variantName(a.v)} + ${variantName(b.v)} ${enc} general JSON`, alg: a.v.alg, algs: [a.v.alg, b.v.alg], enc,
    serialization: 'general', jwe: await general.encrypt(), keys: [a.key.jwk, b.key.jwk],
    plaintext_b64: b64(GENERAL_PLAINTEXT), aad_b64: b64(AAD), zip: false, expect: 'valid',
    note: 'enc protected, cty in the shared unprotected header, alg and kid in each recipient header, with aad; keys in recipient order',
    dec: [a.key.dec, b.key.dec],
  });
}

// Check every case with jose itself before writing: each recipient with its own key.
for (const c of cases) {
  for (const [i, k] of c.dec.entries()) {
    let plaintext;
    if (c.serialization === 'compact') {
      ({ plaintext } = await jose.compactDecrypt(c.jwe, k, { keyManagementAlgorithms: [c.algs?.[i] ?? c.alg] }));
    } else {
      const r = c.serialization === 'general'
        ? { ...c.jwe, ...c.jwe.recipients[i], recipients: undefined }
        : c.jwe;
      delete r.recipients;
      ({ plaintext } = await jose.flattenedDecrypt(r, k, { keyManagementAlgorithms: [c.algs?.[i] ?? c.alg] }));
    }
    if (b64(plaintext) !== c.plaintext_b64) throw new Error(`${c.name}: jose decrypted another plaintext`);
  }
  delete c.dec;
}

const doc = {
  source: `npm package jose ${joseVersion} (Node.js ${process.versions.node}), fresh keys, generated by tests/interop/gen_jwe_node_jose.mjs`,
  url: 'https://github.com/panva/jose',
  license: 'Generated test data: keys and JWEs made for this project by running the peer library; no third-party text.',
  note: 'Every key-management algorithm x content encryption of tests/interop/jwe_matrix.json the peer has, compact; per algorithm a flattened JSON JWE with aad and a compressed compact JWE; general JSON with two recipients pairing each key-wrapping algorithm with the next. RSA keys are 2048 bits; PBES2 keys are oct JWKs whose bytes are the password; keys are private JWKs with alg, kid and use: enc.',
  generated_with: { package: 'jose', version: joseVersion, runtime: `node ${process.versions.node}` },
  unsupported,
  cases,
};
writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
console.error(`wrote ${cases.length} cases to ${out}`);
