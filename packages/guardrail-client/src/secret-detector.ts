import type { Finding } from './finding.ts';

/**
 * The SECRET detector: provider API keys, AWS keys, GitHub, Slack, Stripe… tokens, JWTs, private key
 * blocks and high-entropy tokens. The guardrail service runs it as the `SECRET` entity of PII checks;
 * the API scrubs logged prompts and completions with it whatever the policies say.
 */

function matches(text: string, pattern: RegExp, accept: (match: RegExpExecArray) => { start: number; end: number } | false): Finding[] {
  const found: Finding[] = [];
  for (const match of text.matchAll(pattern)) {
    const span = accept(match);
    if (span) found.push({ type: 'SECRET', ...span });
  }
  return found;
}

const whole = (match: RegExpExecArray) => ({ start: match.index, end: match.index + match[0].length });

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const character of text) counts.set(character, (counts.get(character) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const share = count / text.length;
    entropy -= share * Math.log2(share);
  }
  return entropy;
}

/** Whether base64url text decodes to a JSON object (a JWT's header and payload). */
export function base64UrlJsonObject(segment: string): boolean {
  try {
    const decoded = Buffer.from(segment, 'base64url').toString('utf8');
    const value: unknown = JSON.parse(decoded);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Provider keys with a recognisable shape; each pattern is anchored on a prefix the provider documents. */
const secretPatterns: RegExp[] = [
  /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{32,}/g, // Anthropic
  /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g, // OpenAI (and OpenAI-style keys of other providers)
  /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g, // GitHub
  /\bgithub_pat_[A-Za-z0-9_]{60,}/g,
  /\bAIza[A-Za-z0-9_-]{35}/g, // Google API key
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack
  /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, // Stripe
  /\bgsk_[A-Za-z0-9]{40,}/g, // Groq
  /\bhf_[A-Za-z0-9]{30,}/g, // Hugging Face
  /\bglpat-[A-Za-z0-9_-]{20,}/g, // GitLab
  /\bAccountKey=[A-Za-z0-9+/=]{40,}/g, // Azure storage connection string
];
const awsSecretPattern = /\baws_?secret_?access_?key\W{1,5}([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi;
const jwtPattern = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g;
const pemPattern = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g;
// Long runs of token characters; those with mixed case and digits and a high entropy are taken as secrets.
const tokenPattern = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{24,}={0,2}(?![A-Za-z0-9+/_=-])/g;

/** The smallest entropy (bits per character) a token of this length must have to count as random. */
function entropyFloor(length: number): number {
  return Math.min(4.2, 0.85 * Math.log2(length));
}

/**
 * Whether a mixed-case token reads as words (`HTTPServerConfigV2`, `ThisIsALongName123`) rather than
 * random characters: a run of 7 letters of one case, or most capitals starting a lower-case word.
 * In a random base62 token either happens by chance rarely.
 */
function looksLikeIdentifier(token: string): boolean {
  if (/[a-z]{7,}|[A-Z]{7,}/.test(token)) return true;
  const capitals = token.match(/[A-Z]/g)?.length ?? 0;
  const wordStarts = token.match(/[A-Z][a-z]{2,}/g)?.length ?? 0;
  return capitals >= 3 && wordStarts / capitals > 0.6;
}

/** Every secret in the text (spans may overlap: resolve them with `resolveOverlaps`). */
export function detectSecret(text: string): Finding[] {
  const found: Finding[] = [];
  for (const pattern of secretPatterns) found.push(...matches(text, pattern, whole));
  found.push(
    ...matches(
      text,
      awsSecretPattern,
      (match) => {
        const end = match.index + match[0].length;
        return { start: end - 40, end };
      },
    ),
  );
  found.push(...matches(text, jwtPattern, (match) => base64UrlJsonObject(match[0].split('.')[0]!) && whole(match)));
  // An unterminated key block (cut off, or a stream not finished yet) runs to the end of the text.
  found.push(...matches(text, pemPattern, whole));
  found.push(
    ...matches(
      text,
      tokenPattern,
      (match) => {
        const token = match[0];
        const classes = Number(/[a-z]/.test(token)) + Number(/[A-Z]/.test(token)) + Number(/\d/.test(token));
        return classes === 3 && !looksLikeIdentifier(token) && shannonEntropy(token) >= entropyFloor(token.length) && whole(match);
      },
    ),
  );
  return found;
}
