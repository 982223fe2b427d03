import { piiEntityTypes, type PiiEntityType } from '@gateway/contracts';
import { resolveOverlaps, type Finding } from './finding.ts';
import { piiPriority } from './priority.ts';
import { detectNames, type NameEntityType } from './name-detector.ts';
import { detectCreditCard, detectEmail, detectIban, detectIpAddress, detectSecret, detectUrl, detectUsSsn, phoneDetector, type Detector } from './pattern-detectors.ts';


const nameTypes: readonly NameEntityType[] = ['PERSON', 'LOCATION', 'ORGANIZATION'];

const patternDetectors: Partial<Record<PiiEntityType, Detector>> = {
  EMAIL_ADDRESS: detectEmail,
  PHONE_NUMBER: phoneDetector(),
  CREDIT_CARD: detectCreditCard,
  IBAN_CODE: detectIban,
  US_SSN: detectUsSsn,
  IP_ADDRESS: detectIpAddress,
  URL: detectUrl,
  SECRET: detectSecret,
};

/**
 * Finds the entities of the given types in a text, without overlaps. Every candidate is validated
 * (Luhn, mod-97, SSA rules, numbering plans, JSON in a JWT…); names come from the NLP tagger.
 * Types that were not asked for still take part in resolving overlaps (a URL's digits are not a
 * phone number), and are then dropped.
 */
export function detectPii(text: string, types: ReadonlySet<PiiEntityType> = new Set(piiEntityTypes)): Finding[] {
  const candidates: Finding[] = [];
  for (const [type, detector] of Object.entries(patternDetectors) as Array<[PiiEntityType, Detector]>) {
    // Emails, URLs and secrets are cheap and shadow the digits inside them: always look for them.
    if (types.has(type) || type === 'EMAIL_ADDRESS' || type === 'URL' || type === 'SECRET') candidates.push(...detector(text));
  }
  const names = new Set(nameTypes.filter((type) => types.has(type)));
  if (names.size > 0) candidates.push(...detectNames(text, names));
  return resolveOverlaps(candidates, piiPriority).filter((finding) => types.has(finding.type as PiiEntityType));
}
