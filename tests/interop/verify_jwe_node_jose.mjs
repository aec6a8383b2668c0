// Decrypts JWEs with the npm package `jose` (the peer), for the project's interop tests.
//
// stdin:  a JSON array of cases in the JWE vector schema (vectors/README.md): name, alg (algs
//         for several recipients), enc, keys (private JWKs, one per recipient, in order),
//         serialization, jwe.
// stdout: a JSON array of { "name", "ok", "error", "output" }, one per case, in input
//         order; "output" is the list of plaintexts (base64url) the peer decrypted with each recipient's key, in recipient
//         order. "error" is "" when ok. The caller compares the plaintexts.
// Exit status: 0 whenever the input could be read, even when cases fail; 2 on unreadable input.
//
// Each recipient is decrypted with its own key and an allow-list of exactly its `alg` and the
// case's `enc`; a general JSON JWE goes through the peer's general decryptor.
//
// Usage: node tests/interop/verify_jwe_node_jose.mjs < cases.json   (after tests/interop/setup.sh)

import * as jose from 'jose';

async function decryptCase(c) {
  const algs = c.algs ?? [c.alg];
  if (!Array.isArray(c.keys) || c.keys.length !== algs.length) throw new Error('one key per recipient needed');
  const plaintexts = [];
  for (const [i, jwk] of c.keys.entries()) {
    const key = await jose.importJWK(jwk, algs[i]);
    const options = { keyManagementAlgorithms: [algs[i]], contentEncryptionAlgorithms: [c.enc] };
    let result;
    if (c.serialization === 'compact') {
      if (typeof c.jwe !== 'string') throw new Error('compact JWE is not a string');
      result = await jose.compactDecrypt(c.jwe, key, options);
    } else if (c.serialization === 'flattened') {
      result = await jose.flattenedDecrypt(c.jwe, key, options);
    } else if (c.serialization === 'general') {
      result = await jose.generalDecrypt(c.jwe, key, options);
    } else {
      throw new Error(`unknown serialization ${c.serialization}`);
    }
    plaintexts.push(Buffer.from(result.plaintext).toString('base64url'));
  }
  return plaintexts;
}

let cases;
try {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  if (!Array.isArray(cases)) throw new Error('input is not a JSON array');
} catch (e) {
  console.error(`verify_jwe_node_jose: unreadable input: ${e.message}`);
  process.exit(2);
}

const results = [];
for (const c of cases) {
  try {
    results.push({ name: c?.name, ok: true, error: '', output: await decryptCase(c) });
  } catch (e) {
    results.push({ name: c?.name, ok: false, error: `${e.code ?? e.name}: ${e.message}`, output: [] });
  }
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
