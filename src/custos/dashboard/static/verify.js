/**
 * Checking, in the browser, that a filing is in the Custos transparency log.
 *
 * A filing served by `GET /v1/filings/{id}` carries its ledger entry, the entry's index, an
 * inclusion proof and the newest signed checkpoint covering it. This module checks that
 * chain end to end, trusting nothing the server says except what the log key signed:
 *
 *   entry bytes -> leaf hash -> inclusion proof -> root of the tree of `size` leaves
 *   -> checkpoint body naming that root -> Ed25519 signature by the log key.
 *
 * The verifier key must come from somewhere other than the server being checked (pinned in the
 * page, published out of band, or compared with what witnesses saw): a key fetched from the same
 * server only proves the server agrees with itself.
 *
 * The formats are the ones the Python side writes and checks (custos.ledger): this module is a
 * line-by-line port of its verification, with the same error messages where the checks agree.
 *
 * References:
 * - RFC 9162, Certificate Transparency Version 2.0, sections 2.1.1 (Merkle tree hashing) and
 *   2.1.3.2 (verifying an inclusion proof): https://www.rfc-editor.org/rfc/rfc9162
 * - C2SP signed note: https://c2sp.org/signed-note
 * - C2SP tlog-checkpoint: https://c2sp.org/tlog-checkpoint
 * - RFC 4648, sections 4 (base64) and 3.5 (canonical encoding):
 *   https://www.rfc-editor.org/rfc/rfc4648
 *
 * Dependency-free: it uses only `crypto.subtle`, `TextEncoder` and `atob`, present in current
 * browsers (in secure contexts: HTTPS or localhost) and in Node.js 20 as globals.
 *
 * @module verify
 */

const HASH_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;
const ALG_ED25519 = 0x01;
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;
/** U+2014 EM DASH and a space open every signature line of a signed note. */
const SIGNATURE_PREFIX = "\u2014 ";
const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

const encoder = new TextEncoder();

/**
 * A check failed: the data does not prove what it claims (tampering, corruption, or a response
 * from another log). Distinct from a plain `Error`, which means this environment cannot check
 * at all (no WebCrypto, no Ed25519), so a page can tell "forged" from "cannot tell".
 */
export class VerificationError extends Error {
  constructor(message) {
    super(message);
    this.name = "VerificationError";
  }
}

/**
 * WebCrypto's SubtleCrypto, or a plain Error saying why it is missing: browsers expose it only
 * to secure contexts, and an `undefined` deep inside a hash call would explain nothing.
 */
function subtle() {
  const found = globalThis.crypto?.subtle;
  if (!found) {
    throw new Error(
      "WebCrypto (crypto.subtle) is unavailable: serve the page over HTTPS or from localhost",
    );
  }
  return found;
}

/** Concatenation of byte arrays, because every hash here is over a prefix and some parts. */
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function sha256(...parts) {
  return new Uint8Array(await subtle().digest("SHA-256", concat(...parts)));
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Python's `repr` of a plain string, so messages read the same on both sides. */
function quoted(text) {
  return `'${text}'`;
}

/**
 * Strict base64 (RFC 4648 section 4) to bytes; `what` names the field in the error.
 *
 * `atob` alone is too forgiving for evidence: it skips whitespace and accepts missing padding,
 * so two different texts would decode to the same bytes. Like Python's
 * `b64decode(validate=True)` this refuses anything outside the alphabet and bad padding, and it
 * also refuses non-zero unused bits (RFC 4648 section 3.5), which no conforming encoder writes.
 */
function decodeBase64(text, what) {
  if (typeof text !== "string" || !BASE64.test(text)) {
    throw new VerificationError(`${what} is not base64`);
  }
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  if (padding) {
    const last = BASE64_ALPHABET.indexOf(text[text.length - padding - 1]);
    if (last & (padding === 2 ? 0x0f : 0x03)) {
      throw new VerificationError(`${what} is not canonical base64`);
    }
  }
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

function checkHash(what, value) {
  if (!(value instanceof Uint8Array)) {
    throw new VerificationError(`${what} must be a Uint8Array`);
  }
  if (value.length !== HASH_SIZE) {
    throw new VerificationError(`${what} must be ${HASH_SIZE} bytes, got ${value.length}`);
  }
}

/**
 * An index or size as a BigInt: tree arithmetic is bitwise, and JavaScript's bitwise operators
 * on numbers truncate to 32 bits, which a log of more than 2^31 entries would overflow.
 */
function treeInteger(value, what) {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  throw new VerificationError(`${what} must be an integer, got ${String(value)}`);
}

async function nodeHash(left, right) {
  return sha256(Uint8Array.of(NODE_PREFIX), left, right);
}

/**
 * The RFC 9162 leaf hash `SHA-256(0x00 || entry)` of a ledger entry.
 *
 * The 0x00 prefix (0x01 for interior nodes) is what keeps a leaf from being passed off as a node
 * (RFC 9162, section 2.1.1), so it must be computed here rather than taken from the server.
 *
 * @param {Uint8Array} entryBytes the entry's bytes, as the log stores them
 * @returns {Promise<Uint8Array>} the 32-byte leaf hash
 */
export async function leafHash(entryBytes) {
  if (!(entryBytes instanceof Uint8Array)) {
    throw new VerificationError("a ledger entry must be a Uint8Array");
  }
  return sha256(Uint8Array.of(LEAF_PREFIX), entryBytes);
}

/**
 * Check that leaf hash `leaf` sits at `index` in the tree of `size` leaves whose root is `root`.
 *
 * RFC 9162 section 2.1.3.2, step by step as custos.ledger.proofs.verify_inclusion does it:
 * recomputing the root from the leaf and the proof binds the entry to the signed root, and the
 * path length is checked against the tree's shape, so a proof for another position or another
 * size is refused rather than accepted by luck.
 *
 * @param {object} args
 * @param {number|bigint} args.index the leaf's position, from 0
 * @param {number|bigint} args.size the tree size the root belongs to
 * @param {Uint8Array} args.leaf the leaf hash (see {@link leafHash})
 * @param {Uint8Array[]} args.proof the inclusion path, leaf to root
 * @param {Uint8Array} args.root the root hash of the tree of `size` leaves
 * @returns {Promise<void>} resolves when the proof holds
 * @throws {VerificationError} naming the check that failed
 */
export async function verifyInclusion({ index, size, leaf, proof, root }) {
  checkHash("leaf hash", leaf);
  checkHash("root hash", root);
  if (!Array.isArray(proof)) {
    throw new VerificationError("an inclusion proof must be a list of hashes");
  }
  for (const element of proof) checkHash("proof element", element);
  const m = treeInteger(index, "leaf index");
  const n = treeInteger(size, "tree size");
  // 1. leaf_index must be below tree_size.
  if (m < 0n || m >= n) {
    throw new VerificationError(`leaf index ${m} is outside a tree of size ${n}`);
  }
  // 2. fn = leaf_index, sn = tree_size - 1.
  let fn = m;
  let sn = n - 1n;
  // 3. r = hash.
  let r = leaf;
  // 4. For each p in inclusion_path:
  for (const p of proof) {
    // 4a.
    if (sn === 0n) throw new VerificationError("inclusion proof is longer than the tree is deep");
    // 4b.
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while (fn !== 0n && (fn & 1n) === 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    // 4c.
    fn >>= 1n;
    sn >>= 1n;
  }
  // 5. sn must be 0 and r must equal the root.
  if (sn !== 0n) throw new VerificationError("inclusion proof is shorter than the tree is deep");
  if (!equalBytes(r, root)) {
    throw new VerificationError("inclusion proof does not lead to the root");
  }
}

function checkName(name) {
  if (!name || name.includes("+") || /\s/u.test(name)) {
    throw new VerificationError(
      `key name ${quoted(name)} must be non-empty, without spaces or '+'`,
    );
  }
}

/**
 * Split a C2SP verifier key `<name>+<hex key id>+<base64(0x01 || Ed25519 public key)>`.
 *
 * Only log keys (algorithm 0x01) are accepted: a checkpoint is signed by the log, and a witness
 * cosignature key (0x04) signs a different message. The key id is only checked for shape here,
 * because hashing is asynchronous in WebCrypto; {@link openCheckpoint} checks that it matches
 * the name and key before trusting any signature line.
 *
 * @param {string} vkey the verifier key string (`log_key` of `GET /v1/ledger/status`)
 * @returns {{name: string, keyId: Uint8Array, publicKey: Uint8Array}}
 * @throws {VerificationError} when the key is malformed
 */
export function parseVerifierKey(vkey) {
  if (typeof vkey !== "string") throw new VerificationError("a verifier key must be a string");
  const text = vkey.trim();
  // The base64 key material may itself contain '+': split at the first two only.
  const first = text.indexOf("+");
  const second = first < 0 ? -1 : text.indexOf("+", first + 1);
  if (second < 0) {
    throw new VerificationError("a verifier key has three '+'-separated parts: name, key id, key");
  }
  const name = text.slice(0, first);
  const keyHash = text.slice(first + 1, second);
  checkName(name);
  const material = decodeBase64(text.slice(second + 1), "verifier key material");
  if (material.length !== 1 + 32 || material[0] !== ALG_ED25519) {
    throw new VerificationError("verifier key must hold an Ed25519 log key (algorithm 0x01)");
  }
  if (!/^[0-9a-fA-F]{8}$/.test(keyHash)) {
    throw new VerificationError("verifier key id does not match its name and key");
  }
  const keyId = Uint8Array.from(keyHash.match(/../g), (pair) => parseInt(pair, 16));
  return { name, keyId, publicKey: material.slice(1) };
}

/**
 * Split a signed note into its text and signature lines, checking the format only.
 *
 * The text is everything up to and including the newline before the last blank line; only that
 * text is signed, so it is returned exactly as the signer saw it.
 */
function parseNote(note) {
  if (typeof note !== "string") throw new VerificationError("a signed note must be a string");
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) {
    throw new VerificationError("a signed note is text, a blank line, then signature lines");
  }
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  const signatures = [];
  for (const line of block ? block.slice(0, -1).split("\n") : []) {
    if (!line.startsWith(SIGNATURE_PREFIX)) {
      throw new VerificationError(`not a signature line: ${quoted(line)}`);
    }
    const parts = line.slice(SIGNATURE_PREFIX.length).split(" ");
    if (parts.length !== 2) {
      throw new VerificationError(`malformed signature line: ${quoted(line)}`);
    }
    let blob;
    try {
      blob = decodeBase64(parts[1], "signature");
    } catch {
      throw new VerificationError(`malformed signature line: ${quoted(line)}`);
    }
    if (blob.length < 5) throw new VerificationError(`signature line too short: ${quoted(line)}`);
    signatures.push({ name: parts[0], keyId: blob.slice(0, 4), signature: blob.slice(4) });
  }
  if (!signatures.length) throw new VerificationError("the note carries no signature");
  return { text, signatures };
}

/**
 * Check an Ed25519 signature with WebCrypto; any failure to verify is "does not verify", but a
 * browser without Ed25519 gets a plain Error, since that says nothing about the checkpoint.
 */
async function checkSignature(key, message, signature) {
  const failed = new VerificationError(`signature by ${key.name} does not verify`);
  if (signature.length !== ED25519_SIGNATURE_SIZE) throw failed;
  let publicKey;
  try {
    publicKey = await subtle().importKey("raw", key.publicKey, { name: "Ed25519" }, false, [
      "verify",
    ]);
  } catch (error) {
    if (error?.name === "NotSupportedError") {
      throw new Error(
        "this browser's WebCrypto does not support Ed25519, so it cannot check the log's signature",
      );
    }
    throw failed;
  }
  let valid;
  try {
    valid = await subtle().verify({ name: "Ed25519" }, publicKey, signature, message);
  } catch {
    throw failed;
  }
  if (!valid) throw failed;
}

/** The checkpoint body: origin, decimal size without leading zeros, base64 root, extensions. */
function parseCheckpointBody(text) {
  const lines = text.split("\n");
  if (lines.length < 4 || lines[lines.length - 1] !== "") {
    throw new VerificationError(
      "a checkpoint body has an origin, a size and a root hash, each on a line",
    );
  }
  const [origin, sizeText, rootText, ...extensions] = lines.slice(0, -1);
  if (!origin) throw new VerificationError("checkpoint origin is empty");
  if (!DECIMAL.test(sizeText)) {
    throw new VerificationError(
      `checkpoint size ${quoted(sizeText)} is not a decimal without leading zeros`,
    );
  }
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) {
    throw new VerificationError(`checkpoint size ${sizeText} is beyond what this verifier handles`);
  }
  let root;
  try {
    root = decodeBase64(rootText, "checkpoint root hash");
  } catch {
    throw new VerificationError("checkpoint root hash is not base64");
  }
  if (root.length !== HASH_SIZE) {
    throw new VerificationError("checkpoint root hash is not 32 bytes");
  }
  if (extensions.some((line) => !line)) {
    throw new VerificationError("checkpoint extension lines must not be empty");
  }
  return { origin, size, root };
}

/**
 * Verify a signed checkpoint (C2SP tlog-checkpoint in a C2SP signed note) against the log key
 * and return the tree head it commits to.
 *
 * In order, as custos.ledger.open_checkpoint does: the key id must match the key's name and
 * public key (so a signature line cannot be matched to a key it was not made for); the note
 * must split into text and signature lines; a line by the key's name with the key's id must
 * carry a valid Ed25519 signature over the text; the text must be a checkpoint body; and its
 * origin must be the key's name, because a log's key is named after the log, so a checkpoint
 * of another log signed with a key of the same name is refused. Other signature lines (witness
 * cosignatures) are ignored.
 *
 * @param {string} noteText the signed checkpoint, as served (`checkpoint` of a filing response)
 * @param {string} vkey the log's verifier key string
 * @returns {Promise<{origin: string, size: number, root: Uint8Array}>}
 * @throws {VerificationError} naming the check that failed
 */
export async function openCheckpoint(noteText, vkey) {
  const key = parseVerifierKey(vkey);
  const expectedId = (
    await sha256(encoder.encode(key.name), Uint8Array.of(0x0a, ALG_ED25519), key.publicKey)
  ).slice(0, 4);
  if (!equalBytes(expectedId, key.keyId)) {
    throw new VerificationError("verifier key id does not match its name and key");
  }
  const note = parseNote(noteText);
  const line = note.signatures.find((s) => s.name === key.name && equalBytes(s.keyId, key.keyId));
  if (!line) {
    throw new VerificationError(`no signature by ${key.name} (${hex(key.keyId)}) on the note`);
  }
  await checkSignature(key, encoder.encode(note.text), line.signature);
  const checkpoint = parseCheckpointBody(note.text);
  if (checkpoint.origin !== key.name) {
    throw new VerificationError(
      `checkpoint origin ${quoted(checkpoint.origin)} is not the log ${quoted(key.name)}`,
    );
  }
  return checkpoint;
}

/**
 * Verify a whole `GET /v1/filings/{id}` response: its ledger entry is at `index` in the tree a
 * checkpoint signed by the log key commits to.
 *
 * The entry is hashed here (never trusted as a hash), the checkpoint is opened against the key,
 * and the proof must lead from the entry to the checkpoint's root. Shape and base64 are checked
 * before any hashing so a malformed response fails with a message about the response itself.
 * This proves the entry is in the log; that the response's `view` matches the entry is a
 * separate check of the filing's field commitments.
 *
 * @param {{index: number, entry: string, proof: string[], checkpoint: string}} filingResponse
 *   the JSON body of `GET /v1/filings/{id}`
 * @param {string} vkey the log's verifier key string, obtained independently of this response
 * @returns {Promise<{index: number, size: number, origin: string}>} what was proven
 * @throws {VerificationError} naming the check that failed
 */
export async function verifyFiling(filingResponse, vkey) {
  if (filingResponse === null || typeof filingResponse !== "object") {
    throw new VerificationError("a filing response must be an object");
  }
  const { index, entry, proof, checkpoint } = filingResponse;
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new VerificationError("filing index must be a non-negative integer");
  }
  if (typeof checkpoint !== "string" || checkpoint === "") {
    throw new VerificationError(`no signed checkpoint covers entry ${index} yet`);
  }
  if (!Array.isArray(proof)) {
    throw new VerificationError("filing proof must be a list of base64 hashes");
  }
  const entryBytes = decodeBase64(entry, "filing entry");
  const hashes = proof.map((element, i) => decodeBase64(element, `proof element ${i}`));
  const head = await openCheckpoint(checkpoint, vkey);
  if (index >= head.size) {
    throw new VerificationError(
      `the checkpoint of size ${head.size} does not cover entry ${index}`,
    );
  }
  await verifyInclusion({
    index,
    size: head.size,
    leaf: await leafHash(entryBytes),
    proof: hashes,
    root: head.root,
  });
  return { index, size: head.size, origin: head.origin };
}
