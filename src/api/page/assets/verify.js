/* village-ledger: checking an entry's transparency-log proof in the browser.
 *
 * Written for this project (same licence as the rest of it). The algorithms are those of
 * FIPS 180-4 (SHA-256, SHA-512), RFC 8032 §5.1.7 (Ed25519 verification), RFC 6962 §2.1 /
 * RFC 9162 §2.1.3.2 (Merkle leaf and inclusion proof) and the C2SP signed-note format, as the
 * README's "For app developers" section describes them. WebCrypto does the hashing and the
 * signature check where the browser offers it (a secure context); otherwise the pure
 * JavaScript below does, on any browser with BigInt. Without either, the page says it cannot
 * verify. No ledger data is ever trusted here before the checks pass.
 */
(function (root) {
  'use strict';

  var hasBigInt = typeof BigInt === 'function';
  var subtle = root.crypto && root.crypto.subtle && root.isSecureContext !== false ? root.crypto.subtle : null;

  function utf8(text) { return new TextEncoder().encode(text); }

  function concat() {
    var n = 0, i, out, at = 0;
    for (i = 0; i < arguments.length; i++) n += arguments[i].length;
    out = new Uint8Array(n);
    for (i = 0; i < arguments.length; i++) { out.set(arguments[i], at); at += arguments[i].length; }
    return out;
  }

  function fromBase64(text) {
    var bin = atob(text.trim()), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    var d = 0;
    for (var i = 0; i < a.length; i++) d |= a[i] ^ b[i];
    return d === 0;
  }

  function hex(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return s;
  }

  // ---- SHA-256 (FIPS 180-4) ----------------------------------------------------------------
  var K256 = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2];
  var H256 = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19];

  function pad(bytes, block, lengthBytes) {
    var total = bytes.length + 1 + lengthBytes;
    total += (block - (total % block)) % block;
    var out = new Uint8Array(total);
    out.set(bytes);
    out[bytes.length] = 0x80;
    var bits = bytes.length * 8, at = total - 1;
    // Messages here are far below 2^53 bits: the low 7 bytes carry the whole length.
    for (var i = 0; i < 7; i++) { out[at - i] = bits % 256; bits = Math.floor(bits / 256); }
    return out;
  }

  function sha256js(bytes) {
    var m = pad(bytes, 64, 8), h = H256.slice(), w = new Array(64), i, j;
    function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }
    for (i = 0; i < m.length; i += 64) {
      for (j = 0; j < 16; j++) w[j] = (m[i + 4 * j] << 24) | (m[i + 4 * j + 1] << 16) | (m[i + 4 * j + 2] << 8) | m[i + 4 * j + 3];
      for (j = 16; j < 64; j++) {
        var s0 = rotr(w[j - 15], 7) ^ rotr(w[j - 15], 18) ^ (w[j - 15] >>> 3);
        var s1 = rotr(w[j - 2], 17) ^ rotr(w[j - 2], 19) ^ (w[j - 2] >>> 10);
        w[j] = (w[j - 16] + s0 + w[j - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (j = 0; j < 64; j++) {
        var t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[j] + w[j]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
    }
    var out = new Uint8Array(32);
    for (i = 0; i < 8; i++) { out[4 * i] = h[i] >>> 24; out[4 * i + 1] = h[i] >>> 16; out[4 * i + 2] = h[i] >>> 8; out[4 * i + 3] = h[i]; }
    return out;
  }

  // ---- SHA-512 (FIPS 180-4), on BigInt words -------------------------------------------------
  var K512 = ["428a2f98d728ae22","7137449123ef65cd","b5c0fbcfec4d3b2f","e9b5dba58189dbbc","3956c25bf348b538","59f111f1b605d019","923f82a4af194f9b","ab1c5ed5da6d8118","d807aa98a3030242","12835b0145706fbe","243185be4ee4b28c","550c7dc3d5ffb4e2","72be5d74f27b896f","80deb1fe3b1696b1","9bdc06a725c71235","c19bf174cf692694","e49b69c19ef14ad2","efbe4786384f25e3","0fc19dc68b8cd5b5","240ca1cc77ac9c65","2de92c6f592b0275","4a7484aa6ea6e483","5cb0a9dcbd41fbd4","76f988da831153b5","983e5152ee66dfab","a831c66d2db43210","b00327c898fb213f","bf597fc7beef0ee4","c6e00bf33da88fc2","d5a79147930aa725","06ca6351e003826f","142929670a0e6e70","27b70a8546d22ffc","2e1b21385c26c926","4d2c6dfc5ac42aed","53380d139d95b3df","650a73548baf63de","766a0abb3c77b2a8","81c2c92e47edaee6","92722c851482353b","a2bfe8a14cf10364","a81a664bbc423001","c24b8b70d0f89791","c76c51a30654be30","d192e819d6ef5218","d69906245565a910","f40e35855771202a","106aa07032bbd1b8","19a4c116b8d2d0c8","1e376c085141ab53","2748774cdf8eeb99","34b0bcb5e19b48a8","391c0cb3c5c95a63","4ed8aa4ae3418acb","5b9cca4f7763e373","682e6ff3d6b2b8a3","748f82ee5defb2fc","78a5636f43172f60","84c87814a1f0ab72","8cc702081a6439ec","90befffa23631e28","a4506cebde82bde9","bef9a3f7b2c67915","c67178f2e372532b","ca273eceea26619c","d186b8c721c0c207","eada7dd6cde0eb1e","f57d4f7fee6ed178","06f067aa72176fba","0a637dc5a2c898a6","113f9804bef90dae","1b710b35131c471b","28db77f523047d84","32caab7b40c72493","3c9ebe0a15c9bebc","431d67c49c100d4c","4cc5d4becb3e42b6","597f299cfc657e2a","5fcb6fab3ad6faec","6c44198c4a475817"];
  var H512 = ["6a09e667f3bcc908","bb67ae8584caa73b","3c6ef372fe94f82b","a54ff53a5f1d36f1","510e527fade682d1","9b05688c2b3e6c1f","1f83d9abfb41bd6b","5be0cd19137e2179"];

  function sha512js(bytes) {
    var B = BigInt, M = (B(1) << B(64)) - B(1), k = K512.map(function (x) { return B('0x' + x); });
    var h = H512.map(function (x) { return B('0x' + x); });
    var m = pad(bytes, 128, 16), w = new Array(80), i, j;
    function rotr(x, n) { return ((x >> B(n)) | (x << B(64 - n))) & M; }
    for (i = 0; i < m.length; i += 128) {
      for (j = 0; j < 16; j++) {
        var x = B(0);
        for (var b = 0; b < 8; b++) x = (x << B(8)) | B(m[i + 8 * j + b]);
        w[j] = x;
      }
      for (j = 16; j < 80; j++) {
        var s0 = rotr(w[j - 15], 1) ^ rotr(w[j - 15], 8) ^ (w[j - 15] >> B(7));
        var s1 = rotr(w[j - 2], 19) ^ rotr(w[j - 2], 61) ^ (w[j - 2] >> B(6));
        w[j] = (w[j - 16] + s0 + w[j - 7] + s1) & M;
      }
      var a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (j = 0; j < 80; j++) {
        var t1 = (hh + (rotr(e, 14) ^ rotr(e, 18) ^ rotr(e, 41)) + ((e & f) ^ (~e & M & g)) + k[j] + w[j]) & M;
        var t2 = ((rotr(a, 28) ^ rotr(a, 34) ^ rotr(a, 39)) + ((a & bb) ^ (a & c) ^ (bb & c))) & M;
        hh = g; g = f; f = e; e = (d + t1) & M; d = c; c = bb; bb = a; a = (t1 + t2) & M;
      }
      var add = [a, bb, c, d, e, f, g, hh];
      for (j = 0; j < 8; j++) h[j] = (h[j] + add[j]) & M;
    }
    var out = new Uint8Array(64);
    for (i = 0; i < 8; i++) for (j = 0; j < 8; j++) out[8 * i + j] = Number((h[i] >> B(56 - 8 * j)) & B(255));
    return out;
  }

  // ---- Ed25519 verification (RFC 8032 §5.1.7), on BigInt field elements -------------------
  var ED = null;
  function ed() {
    if (ED) return ED;
    var B = BigInt, P = (B(1) << B(255)) - B(19);
    var L = (B(1) << B(252)) + B('27742317777372353535851937790883648493');
    function mod(a) { var r = a % P; return r < B(0) ? r + P : r; }
    function pow(b, e) {
      var r = B(1); b = mod(b);
      while (e > B(0)) { if (e & B(1)) r = (r * b) % P; b = (b * b) % P; e >>= B(1); }
      return r;
    }
    function inv(a) { return pow(a, P - B(2)); }
    var D = mod(B(-121665) * inv(B(121666)));
    var D2 = mod(D * B(2));
    var SQRTM1 = pow(B(2), (P - B(1)) / B(4));
    var G = [B('15112221349535400772501151409588531511454012693041857206046113283949847762202'),
      B('46316835694926478169428394003475163141307993866256225615783033603165251855960')];
    ED = { B: B, P: P, L: L, mod: mod, pow: pow, inv: inv, D: D, D2: D2, SQRTM1: SQRTM1,
      G: [G[0], G[1], B(1), mod(G[0] * G[1])] };
    return ED;
  }

  function le(bytes) {
    var B = BigInt, x = B(0);
    for (var i = bytes.length - 1; i >= 0; i--) x = (x << B(8)) | B(bytes[i]);
    return x;
  }

  function add(p, q) {
    var e = ed(), mod = e.mod;
    var a = mod((p[1] - p[0]) * (q[1] - q[0])), b = mod((p[1] + p[0]) * (q[1] + q[0]));
    var c = mod(p[3] * e.D2 * q[3]), d = mod(p[2] * BigInt(2) * q[2]);
    var E = b - a, F = d - c, Gg = d + c, H = b + a;
    return [mod(E * F), mod(Gg * H), mod(F * Gg), mod(E * H)];
  }

  function multiply(point, n) {
    var B = BigInt, r = [B(0), B(1), B(1), B(0)], q = point;
    while (n > B(0)) { if (n & B(1)) r = add(r, q); q = add(q, q); n >>= B(1); }
    return r;
  }

  function encode(p) {
    var e = ed(), B = BigInt, zi = e.inv(p[2]), x = e.mod(p[0] * zi), y = e.mod(p[1] * zi);
    var out = new Uint8Array(32);
    for (var i = 0; i < 32; i++) { out[i] = Number(y & B(255)); y >>= B(8); }
    if (x & B(1)) out[31] |= 0x80;
    return out;
  }

  function decode(bytes) {
    var e = ed(), B = BigInt, mod = e.mod, copy = bytes.slice();
    var sign = copy[31] >> 7;
    copy[31] &= 0x7f;
    var y = le(copy);
    if (y >= e.P) return null;
    var y2 = mod(y * y), u = mod(y2 - B(1)), v = mod(e.D * y2 + B(1));
    var x = mod(u * e.pow(v, B(3)) * e.pow(mod(u * e.pow(v, B(7))), (e.P - B(5)) / B(8)));
    var vx2 = mod(v * x * x);
    if (vx2 !== u) {
      if (vx2 === mod(-u)) x = mod(x * e.SQRTM1); else return null;
    }
    if (x === B(0) && sign === 1) return null;
    if (Number(x & B(1)) !== sign) x = mod(-x);
    return [x, y, B(1), mod(x * y)];
  }

  function ed25519js(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    var e = ed(), A = decode(publicKey), R = signature.subarray(0, 32), s = le(signature.subarray(32));
    if (!A || !decode(R) || s >= e.L) return false;
    var k = le(sha512js(concat(R, publicKey, message))) % e.L;
    var negA = [e.mod(-A[0]), A[1], A[2], e.mod(-A[3])];
    return equal(encode(add(multiply(e.G, s), multiply(negA, k))), R);
  }

  // ---- WebCrypto first, the pure JavaScript else -------------------------------------------
  var useWebCrypto = true;

  function sha256(bytes) {
    if (subtle && useWebCrypto) {
      return subtle.digest('SHA-256', bytes).then(function (d) { return new Uint8Array(d); });
    }
    return Promise.resolve(sha256js(bytes));
  }

  function ed25519(publicKey, message, signature) {
    var fallback = function () { return hasBigInt ? ed25519js(publicKey, message, signature) : null; };
    if (!subtle || !useWebCrypto) return Promise.resolve(fallback());
    return subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify'])
      .then(function (key) { return subtle.verify({ name: 'Ed25519' }, key, signature, message); })
      .catch(fallback);
  }

  /** Whether this browser can check proofs at all. */
  function supported() {
    return !!(root.TextEncoder && root.atob && (hasBigInt || subtle));
  }

  function Failure(reason) { this.reason = reason; }

  /** `<name>+<hash hex>+<base64 of 0x01 ‖ key>` → {name, hash, key}. */
  function parseKey(text) {
    // The base64 part may itself hold `+`: only the first two separate.
    var m = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(text.trim());
    if (!m) throw new Failure('format');
    var parts = m.slice(1);
    var raw = fromBase64(parts[2]);
    if (raw.length !== 33 || raw[0] !== 1) throw new Failure('format');
    return { name: parts[0], hash: parts[1], key: raw.subarray(1) };
  }

  /** Checks a C2SP signed note against the key; answers its tree size and root hash. */
  function checkCheckpoint(note, key) {
    var split = note.indexOf('\n\n');
    if (split < 0) throw new Failure('format');
    var body = note.slice(0, split + 1), lines = body.split('\n');
    if (lines.length < 4) throw new Failure('format');
    var size = Number(lines[1]), root = fromBase64(lines[2]);
    if (!/^\d+$/.test(lines[1]) || root.length !== 32) throw new Failure('format');
    var sigs = note.slice(split + 2).split('\n'), signature = null;
    for (var i = 0; i < sigs.length; i++) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(sigs[i]);
      if (m && m[1] === key.name) { signature = fromBase64(m[2]); break; }
    }
    if (!signature || signature.length !== 68 || hex(signature.subarray(0, 4)) !== key.hash) {
      throw new Failure('signature');
    }
    return ed25519(key.key, utf8(body), signature.subarray(4)).then(function (ok) {
      if (ok === null) throw new Failure('unsupported');
      if (!ok) throw new Failure('signature');
      return { size: size, root: root };
    });
  }

  /** RFC 9162 §2.1.3.2: the root an inclusion proof leads to. */
  function rootFromProof(leaf, index, size, proof) {
    if (index >= size) return Promise.reject(new Failure('format'));
    var fn = index, sn = size - 1, step = Promise.resolve(null);
    var r = sha256(concat(new Uint8Array([0]), leaf));
    proof.forEach(function (p) {
      r = r.then(function (acc) {
        if (sn === 0) throw new Failure('root');
        var next;
        if (fn % 2 === 1 || fn === sn) {
          next = sha256(concat(new Uint8Array([1]), p, acc));
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        } else {
          next = sha256(concat(new Uint8Array([1]), acc, p));
        }
        fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
        return next;
      });
    });
    return step.then(function () { return r; }).then(function (acc) {
      if (sn !== 0) throw new Failure('root');
      return acc;
    });
  }

  /**
   * Checks an entry's proof answer (`GET /entries/{id}/proof`) against the verifier key.
   * Resolves {state: 'verified', leaf, size} | {state: 'failed', reason} |
   * {state: 'unsupported'}. The leaf is returned parsed only once everything checked.
   */
  function verifyEntryProof(answer, keyText, entryId) {
    if (!supported()) return Promise.resolve({ state: 'unsupported' });
    return Promise.resolve().then(function () {
      var key = parseKey(keyText);
      if (!answer || typeof answer.checkpoint !== 'string' || typeof answer.leaf !== 'string' || !Array.isArray(answer.proof)) {
        throw new Failure('format');
      }
      var leafBytes = fromBase64(answer.leaf), hashes = answer.proof.map(fromBase64);
      return checkCheckpoint(answer.checkpoint, key).then(function (cp) {
        if (cp.size !== answer.tree_size) throw new Failure('root');
        return rootFromProof(leafBytes, answer.leaf_index, answer.tree_size, hashes).then(function (r) {
          if (!equal(r, cp.root)) throw new Failure('root');
          var leaf;
          try { leaf = JSON.parse(new TextDecoder().decode(leafBytes)); } catch (e) { throw new Failure('format'); }
          if (!leaf || leaf.v !== 1 || leaf.kind !== 'entry' || leaf.id !== entryId) throw new Failure('leaf');
          return { state: 'verified', leaf: leaf, size: cp.size };
        });
      });
    }).catch(function (e) {
      if (e instanceof Failure) {
        return e.reason === 'unsupported' ? { state: 'unsupported' } : { state: 'failed', reason: e.reason };
      }
      return { state: 'failed', reason: 'format' };
    });
  }

  root.VLVerify = {
    verifyEntryProof: verifyEntryProof,
    supported: supported,
    sha256js: sha256js,
    sha512js: sha512js,
    ed25519js: ed25519js,
    hex: hex,
    /** For tests: force the pure JavaScript path. */
    pureJs: function (on) { useWebCrypto = !on; }
  };
})(typeof self !== 'undefined' ? self : globalThis);
