import { isIP } from 'node:net';
import { isValidPhoneNumber, type CountryCode } from 'libphonenumber-js/max';
import type { Finding } from './finding.ts';
import { ibanValid, luhnValid, ssnValid } from './validators.ts';

/** A detector finds the spans of one entity type; each validates what a regular expression proposes. */
export type Detector = (text: string) => Finding[];

function matches(text: string, pattern: RegExp, accept: (match: RegExpExecArray) => { start: number; end: number } | false, type: string): Finding[] {
  const found: Finding[] = [];
  for (const match of text.matchAll(pattern)) {
    const span = accept(match);
    if (span) found.push({ type, ...span });
  }
  return found;
}

const whole = (match: RegExpExecArray) => ({ start: match.index, end: match.index + match[0].length });

// Local part and domain as mail actually uses them; the TLD is letters only (2+), so `a@b.c1` is not an address.
const emailPattern = /(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g;

export const detectEmail: Detector = (text) =>
  matches(text, emailPattern, (match) => (match[0].split('@')[0]!.includes('..') ? false : whole(match)), 'EMAIL_ADDRESS');

/** Numbering plans tried for a number written without its country code (the first valid one counts). */
export const defaultPhoneRegions: readonly CountryCode[] = [
  'US', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'BE', 'CH', 'AT', 'SE', 'DK', 'NO', 'FI', 'IS', 'PL', 'CZ', 'HU', 'SI', 'HR', 'PT', 'IE', 'GR',
  'CY', 'EE', 'RU', 'UA', 'TR', 'IL', 'AU', 'NZ', 'CA', 'MX', 'BR', 'AR', 'UY', 'IN', 'JP', 'ZA', 'TN', 'GL',
];

// Digits in groups with the separators phones use, an optional +country and (area) or (0), an extension.
const phoneCandidatePattern = /(?<![\w+.,/-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,12}(?:[ .-]\(?\d{1,6}\)?){0,6}(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?!\w|[.,/:-]\d)/g;
const phoneCue = /(?:phone|tel|telephone|mobile|cell|call|fax|number|contact|reach|whats ?app|sms|text me|telefon|handy|téléphone|portable|teléfono|móvil)\W{0,20}$/i;
const datePattern = /^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/;
// Words after which digits are some other number: "order 123-456-789", "tracking …", "version 1.2.3".
const otherNumberCue = /(?:order|invoice|ticket|account|acct|ref(?:erence)?|id|tracking|isbn|version|serial|case|policy|iban|card|sku|item|no\.?|number of)\W{0,12}$/i;

/** Digit groups that read as something else: 1 000 000, 1.2.3.4567, 48.8566 2.3522. */
function otherNumberShape(number: string): boolean {
  if (/^\d{1,3}(?:[ .,]\d{3})+$/.test(number)) return true; // thousands separators
  if (/^[\d.]+$/.test(number) && /(?:^|\.)\d(?:\.|$)/.test(number)) return true; // a version number
  return number.includes('.') && number.includes(' '); // decimals side by side
}

/**
 * Phone numbers validated by libphonenumber's full metadata: international numbers against their
 * country's plan, national ones against the first of `regions` whose plan they fit. Digits in fewer
 * than three groups, with no + and no parentheses, count only after a word such as "phone" or "call".
 */
export function phoneDetector(regions: readonly CountryCode[] = defaultPhoneRegions): Detector {
  return (text) => {
    if (!/\d{3}/.test(text)) return [];
    const found: Finding[] = [];
    for (const match of text.matchAll(phoneCandidatePattern)) {
      const candidate = match[0];
      const number = candidate.replace(/\s?(?:x|ext\.?)\s?\d+$/, '');
      // E.164 numbers have at most 15 digits; longer runs (card numbers) would cost a failed parse per region.
      const digits = number.replace(/\D/g, '').length;
      if (digits < 7 || digits > 15 || datePattern.test(candidate)) continue;
      // Two bare groups ("3747 3911", "90010-170") are as often a house number and a postcode, or a
      // ZIP+4, as a phone: they need a cue, like a run of digits with no separator at all.
      const before = text.slice(Math.max(0, match.index - 40), match.index);
      const cued = phoneCue.test(before);
      if (!cued && !number.startsWith('+') && (otherNumberCue.test(before) || otherNumberShape(number))) continue;
      const shaped = /[+()]/.test(number) || number.split(/[ .-]+/).length >= 3;
      if (!shaped && !cued) continue;
      const valid = candidate.startsWith('+') ? isValidPhoneNumber(candidate) : regions.some((region) => isValidPhoneNumber(candidate, region));
      if (valid) found.push({ type: 'PHONE_NUMBER', start: match.index, end: match.index + candidate.length });
    }
    return found;
  };
}

// 12 to 19 digits, in groups separated by single spaces or dashes, not inside a longer number or word.
const cardPattern = /(?<![\w-])\d(?:[ -]?\d){11,18}(?![\w-])/g;

export const detectCreditCard: Detector = (text) =>
  matches(
    text,
    cardPattern,
    (match) => {
      const digits = match[0].replace(/[ -]/g, '');
      return digits.length >= 12 && digits.length <= 19 && !/^(\d)\1+$/.test(digits) && luhnValid(digits) && whole(match);
    },
    'CREDIT_CARD',
  );

// Country, check digits, then the BBAN, compact or in groups of four.
const ibanPattern = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;

export const detectIban: Detector = (text) =>
  matches(
    text,
    ibanPattern,
    (match) => {
      // A grouped IBAN may run into the next word ("… 3000 1234 and"): try the longest valid prefix.
      let candidate = match[0];
      while (candidate.length >= 15) {
        if (ibanValid(candidate.replace(/ /g, ''))) return { start: match.index, end: match.index + candidate.length };
        const cut = candidate.lastIndexOf(' ');
        if (cut === -1) break;
        candidate = candidate.slice(0, cut);
      }
      return false;
    },
    'IBAN_CODE',
  );

// AAA-GG-SSSS with dashes, spaces or dots (one separator kind), or 9 digits after an SSN cue.
const ssnPattern = /(?<![\w-])(\d{3})([- .])(\d{2})\2(\d{4})(?![\w-])/g;
const ssnBarePattern = /\b(?:ssn|social security(?: number| no\.?)?)\W{1,5}(\d{3})(\d{2})(\d{4})\b/gi;

export const detectUsSsn: Detector = (text) => [
  ...matches(text, ssnPattern, (match) => ssnValid(match[1]!, match[3]!, match[4]!) && whole(match), 'US_SSN'),
  ...matches(
    text,
    ssnBarePattern,
    (match) => {
      if (!ssnValid(match[1]!, match[2]!, match[3]!)) return false;
      const end = match.index + match[0].length;
      return { start: end - 9, end };
    },
    'US_SSN',
  ),
];

const ipv4Pattern = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]*\d)/g;
// Candidates for IPv6: hex groups with at least two colons; node:net decides.
const ipv6Pattern = /(?<![\w:])(?:[A-Fa-f0-9]{0,4}:){2,7}(?:[A-Fa-f0-9]{0,4}|(?:\d{1,3}\.){3}\d{1,3})(?:%\w+)?(?![\w:])/g;

export const detectIpAddress: Detector = (text) => [
  ...matches(text, ipv4Pattern, whole, 'IP_ADDRESS'),
  ...matches(text, ipv6Pattern, (match) => match[0].replace(/%\w+$/, '').length >= 3 && isIP(match[0].replace(/%\w+$/, '')) === 6 && whole(match), 'IP_ADDRESS'),
];

// A scheme URL or a www. host; trailing sentence punctuation is not part of it.
const urlPattern = /\b(?:(?:https?|ftp|wss?):\/\/|www\.)[^\s<>"'`]+/gi;

export const detectUrl: Detector = (text) =>
  matches(
    text,
    urlPattern,
    (match) => {
      const value = match[0].replace(/[.,;:!?)\]}'"]+$/, '');
      const parsable = URL.canParse(/^www\./i.test(value) ? `http://${value}` : value);
      return parsable && value.length > 7 && { start: match.index, end: match.index + value.length };
    },
    'URL',
  );

/** Secrets live in packages/guardrail-client: the API scrubs logged bodies with the same detector. */
export { detectSecret } from '@gateway/guardrail-client';
