// The page's proof checker (src/api/page/assets/verify.js) on its pure-JavaScript path, the one
// older phones take, against Node's own crypto: SHA-256 and SHA-512 digests, Ed25519 signatures
// (good and altered), and whole proofs over RFC 6962 trees of every size up to 20 with a signed
// checkpoint, each tampered in each part. Run by `cargo test --test api browser::`:
//
//   node tests/browser/crypto.mjs
import fs from 'node:fs';
import vm from 'node:vm';
import crypto from 'node:crypto';

const source = fs.readFileSync(new URL('../../src/api/page/assets/verify.js', import.meta.url), 'utf8');
const ctx = { TextEncoder, TextDecoder, atob, isSecureContext: false };
ctx.globalThis = ctx;
vm.createContext(ctx);
vm.runInContext(source, ctx);
const V = ctx.VLVerify;
let checks = 0;
function check(ok, what) {
  if (!ok) throw new Error('failed: ' + what);
  checks++;
}
const hex = (b) => Buffer.from(b).toString('hex');
const u8 = (b) => new Uint8Array(b);

for (const s of ['', 'abc', 'x'.repeat(55), 'x'.repeat(56), 'y'.repeat(111), 'y'.repeat(112), '祠堂'.repeat(300)]) {
  const b = u8(Buffer.from(s));
  check(hex(V.sha256js(b)) === crypto.createHash('sha256').update(b).digest('hex'), 'sha256 of ' + s.length);
  check(hex(V.sha512js(b)) === crypto.createHash('sha512').update(b).digest('hex'), 'sha512 of ' + s.length);
}

const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
const pk = u8(publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
for (let i = 0; i < 5; i++) {
  const msg = Buffer.from(`message ${i}`);
  const sig = u8(crypto.sign(null, msg, privateKey));
  check(V.ed25519js(pk, u8(msg), sig) === true, 'a good signature verifies');
  const bad = sig.slice(); bad[i * 7] ^= 1;
  check(V.ed25519js(pk, u8(msg), bad) === false, 'an altered signature fails');
  check(V.ed25519js(pk, u8(Buffer.from(`message ${i + 1}`)), sig) === false, 'another message fails');
}

// An RFC 6962 tree, its inclusion proofs (PATH), and a C2SP note signed as the server signs.
const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
const leafHash = (l) => sha(Buffer.from([0]), l);
function mth(leaves) {
  if (leaves.length === 1) return leafHash(leaves[0]);
  let k = 1; while (k * 2 < leaves.length) k *= 2;
  return sha(Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function pathOf(m, leaves) {
  if (leaves.length === 1) return [];
  let k = 1; while (k * 2 < leaves.length) k *= 2;
  return m < k ? [...pathOf(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...pathOf(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}
const name = 'village-ledger.local/ledger';
const keyHash = sha(Buffer.from(name + '\n'), Buffer.from([1]), Buffer.from(pk)).subarray(0, 4);
const keyText = `${name}+${hex(keyHash)}+${Buffer.concat([Buffer.from([1]), Buffer.from(pk)]).toString('base64')}`;
function note(size, root) {
  const body = `${name}\n${size}\n${root.toString('base64')}\n`;
  const sig = crypto.sign(null, Buffer.from(body), privateKey);
  return `${body}\n\u2014 ${name} ${Buffer.concat([keyHash, sig]).toString('base64')}\n`;
}

V.pureJs(true);
for (let size = 1; size <= 20; size++) {
  const leaves = [];
  for (let i = 0; i < size; i++) {
    leaves.push(Buffer.from(JSON.stringify({ v: 1, kind: 'entry', id: `en_${i}`, amount_fen: 95000 + i, counterparty: '王小平' })));
  }
  const root = mth(leaves);
  for (let index = 0; index < size; index++) {
    const answer = {
      leaf: leaves[index].toString('base64'), leaf_index: index, tree_size: size,
      proof: pathOf(index, leaves).map((h) => h.toString('base64')), checkpoint: note(size, root),
    };
    const ok = await V.verifyEntryProof(answer, keyText, `en_${index}`);
    check(ok.state === 'verified' && ok.leaf.amount_fen === 95000 + index, `size ${size} index ${index} verifies: ${JSON.stringify(ok)}`);
    const wrongId = await V.verifyEntryProof(answer, keyText, `en_${index + 1}`);
    check(wrongId.state === 'failed' && wrongId.reason === 'leaf', 'another entry\'s leaf is refused');
    const tampered = JSON.parse(leaves[index]); tampered.amount_fen = 1;
    const r1 = await V.verifyEntryProof({ ...answer, leaf: Buffer.from(JSON.stringify(tampered)).toString('base64') }, keyText, `en_${index}`);
    check(r1.state === 'failed' && r1.reason === 'root', 'a changed leaf fails');
    if (answer.proof.length) {
      const proof = answer.proof.slice(); proof[0] = sha(Buffer.from('x')).toString('base64');
      const r2 = await V.verifyEntryProof({ ...answer, proof }, keyText, `en_${index}`);
      check(r2.state === 'failed' && r2.reason === 'root', 'a changed proof fails');
    }
    if (index === 0) {
      const forged = note(size, sha(Buffer.from('other root'))).replace(/\n\n[\s\S]*$/, '') + answer.checkpoint.slice(answer.checkpoint.indexOf('\n\n'));
      const r3 = await V.verifyEntryProof({ ...answer, checkpoint: forged }, keyText, `en_${index}`);
      check(r3.state === 'failed' && r3.reason === 'signature', 'a checkpoint with another root and the old signature fails');
      const r4 = await V.verifyEntryProof({ ...answer, tree_size: size + 1 }, keyText, `en_${index}`);
      check(r4.state === 'failed', 'a proof for another size fails');
    }
  }
}
console.log(JSON.stringify({ ok: true, checks }));
