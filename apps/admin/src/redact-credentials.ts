/** What stands in for a credential removed from a message. */
const redacted = '[redacted]';

/** The shapes a known credential may be echoed back in: as is, URL-encoded, base64 (standard or URL-safe, padded or not). */
function credentialForms(secret: string): string[] {
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  return [secret, encodeURIComponent(secret), base64, base64.replace(/=+$/, ''), Buffer.from(secret, 'utf8').toString('base64url')];
}

/**
 * Credentials of any value by their look: an `Authorization` scheme with its token, a header or field
 * named like an API key or token with its value, and a key in a URL's query string (Gemini's `?key=`).
 */
const credentialPatterns: ReadonlyArray<[RegExp, string]> = [
  // The schemes as HTTP clients write them (case-sensitive, at least 8 characters of token): "basic authentication" is prose.
  [/\b(Bearer|bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${redacted}`],
  [
    /\b(authorization|(?:x-)?(?:goog-)?api[-_]?key|x-amz-security-token|(?:access|session|refresh)[-_]?token|secret[-_]?access[-_]?key)(["']?\s*[:=]\s*["']?)(?!(?:Bearer|Basic)\s)([^\s"',;&}]{4,})/gi,
    `$1$2${redacted}`,
  ],
  [/([?&](?:key|api[-_]?key|access_token|token)=)[^&#\s"']+/gi, `$1${redacted}`],
];

/**
 * `text` without the given credentials (in every shape `credentialForms` knows, longest first) and
 * without anything that looks like one (`credentialPatterns`): for messages built from what an
 * upstream answered, which may echo what it was sent. Secrets shorter than 4 characters are left to
 * the patterns, as removing them would garble the text.
 */
export function redactCredentials(text: string, secrets: readonly string[]): string {
  const forms = [...new Set(secrets.filter((secret) => secret.length >= 4).flatMap(credentialForms))].sort((left, right) => right.length - left.length);
  const withoutKnown = forms.reduce((result, form) => result.split(form).join(redacted), text);
  return credentialPatterns.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), withoutKnown);
}
