import nlp from 'compromise';
import type { Finding } from './finding.ts';

export type NameEntityType = 'PERSON' | 'LOCATION' | 'ORGANIZATION';

interface OffsetMatch {
  offset: { start: number; length: number };
}

// English street addresses: a house number, capitalised words, a street kind (compromise does not tag them).
const streetPattern =
  /\b\d{1,6}[A-Za-z]?\s+(?:[A-Z][\p{L}'.-]*\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Square|Sq|Terrace|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Crescent|Close|Alley|Plaza)\b(?:,?\s+(?:Apt\.?|Suite|Unit)\s*\d+)?/gu;

/**
 * People, places and organisations named in English text, by compromise's lexicon and tagger (shipped
 * inside the package, nothing fetched), plus street addresses as LOCATION. Costs about 4 ms per KB of
 * text, so it runs only for policies that ask for these types.
 */
export function detectNames(text: string, types: ReadonlySet<NameEntityType>): Finding[] {
  if (!/\p{Lu}/u.test(text)) return [];
  const document = nlp(text);
  const found: Finding[] = [];
  const add = (type: NameEntityType, view: { json(options: object): unknown }) => {
    for (const match of view.json({ offset: true }) as OffsetMatch[]) {
      let { start, length } = match.offset;
      // compromise counts a trailing possessive or punctuation into the term; keep the name only.
      const value = text.slice(start, start + length).replace(/(?:['’]s|[.,;:!?'"’)])+$/u, '');
      length = value.length;
      while (length > 0 && /\s/.test(text[start]!)) {
        start += 1;
        length -= 1;
      }
      if (length > 1) found.push({ type, start, end: start + length });
    }
  };
  if (types.has('PERSON')) add('PERSON', document.people());
  if (types.has('LOCATION')) {
    add('LOCATION', document.places());
    for (const match of text.matchAll(streetPattern)) found.push({ type: 'LOCATION', start: match.index, end: match.index + match[0].length });
  }
  if (types.has('ORGANIZATION')) add('ORGANIZATION', document.organizations());
  return found;
}
