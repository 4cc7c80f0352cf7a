import crypto from 'node:crypto';

/**
 * A token reads `flt_<id>_<secret>`: the id finds the stored row, the secret is checked against its
 * SHA-256. The secret is 256 random bits, so a plain hash is enough (no password stretching needed):
 * a stolen database gives no usable token.
 */
const SHAPE = /^flt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface MintedToken {
  id: string;
  secret: string;
  hash: string;
  /** The whole token, shown to its owner once. */
  token: string;
}

export function mintToken(): MintedToken {
  const id = crypto.randomBytes(8).toString('hex');
  const secret = crypto.randomBytes(32).toString('base64url');
  return { id, secret, hash: hashSecret(secret), token: `flt_${id}_${secret}` };
}

export function parseToken(token: string): { id: string; secret: string } | null {
  const m = SHAPE.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

/** Constant-time: how much of a guess matched must not show in the response time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
