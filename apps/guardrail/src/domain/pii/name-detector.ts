import nlp from 'compromise';
import type { Finding } from './finding.ts';

export type NameEntityType = 'PERSON' | 'LOCATION' | 'ORGANIZATION';

interface OffsetMatch {
  offset: { start: number; length: number };
}

// English street addresses: a house number, capitalised words, a street kind (compromise does not tag them).
const streetPattern =
  /\b\d{1,6}[A-Za-z]?\s+(?:[A-Z][\p{L}'.-]*\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Square|Sq|Terrace|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Crescent|Close|Alley|Plaza)\b(?:,?\s+(?:Apt\.?|Suite|Unit)\s*\d+)?/gu;

interface TermJson {
  text: string;
  post: string;
  tags: string[];
  offset: { start: number; length: number };
}

/** Last words that make a run of proper nouns a company or an institution rather than a person. */
const organisationEnding =
  /^(?:inc|corp|corporation|co|company|llc|llp|ltd|limited|plc|gmbh|ag|sa|sas|bv|nv|oy|ab|group|holdings?|partners|capital|bank|analytics|technologies|technology|tech|systems|solutions|software|labs?|media|consulting|services|industries|international|university|college|institute|foundation|association|agency|ministry|council|hospital|school|press|news|magazine|times)$/i;
/** Tags that say a proper noun is not a person's name. */
const notPersonTags = new Set(['Place', 'Country', 'City', 'Region', 'Organization', 'Date', 'Month', 'WeekDay', 'Holiday', 'Acronym', 'Demonym', 'Pronoun', 'Possessive']);
const personTags = new Set(['Person', 'FirstName', 'LastName', 'MaleName', 'FemaleName']);

/**
 * A word tagged as a name, or one the lexicon does not know at all (the tagger then says only
 * `ProperNoun` and `Noun`): a capitalised common word ("Border", "Weekly") carries more tags.
 */
function nameLike(tags: readonly string[]): boolean {
  if (tags.some((tag) => notPersonTags.has(tag))) return false;
  if (tags.some((tag) => personTags.has(tag))) return true;
  return tags.includes('ProperNoun') && tags.every((tag) => tag === 'ProperNoun' || tag === 'Noun');
}
// A name introduced as one: "my name is Kuba", "Name: Kuba", "called Kuba", "Dear Kuba".
const introducedName = /\b(?:my name is|name\s*:|i am called|call me|called|dear|hello|hi)\s+(\p{Lu}[\p{L}'’-]+(?:\s+\p{Lu}[\p{L}'’-]+){0,2})/giu;

/** Words after which an unknown proper noun is a place: "grew up in Awenne", "flew to HORTEN", "from Križe". */
const placeCue = new Set(['in', 'from', 'to', 'near', 'around', 'outside', 'visiting', 'visit', 'via']);

/**
 * Runs of capitalised words the tagger knows only as proper nouns (names from outside its English
 * lexicon): after a place cue, a place (one word is enough, and capitals like STAVANGER count);
 * otherwise two to four words are a person, or an organisation when the last word says so
 * ("Civis Analytics").
 */
function properNounRuns(terms: readonly TermJson[], types: ReadonlySet<NameEntityType>, found: Finding[]): void {
  let run: TermJson[] = [];
  let afterCue = false;
  const flush = () => {
    const first = run[0];
    const last = run.at(-1);
    if (first && last && run.length <= 4) {
      const span = { start: first.offset.start, end: last.offset.start + last.offset.length };
      const hasPersonName = run.some((term) => term.tags.some((tag) => personTags.has(tag)));
      if (afterCue && !hasPersonName) {
        if (types.has('LOCATION')) found.push({ type: 'LOCATION', ...span });
      } else if (run.length >= 2) {
        const type: NameEntityType = organisationEnding.test(last.text) ? 'ORGANIZATION' : 'PERSON';
        if (types.has(type)) found.push({ type, ...span });
      }
    }
    run = [];
  };
  let previous: TermJson | undefined;
  for (const term of terms) {
    const titleCase = /^\p{Lu}[\p{Ll}'’-]*\p{Ll}$/u.test(term.text) && nameLike(term.tags);
    const capitals = /^\p{Lu}{3,}$/u.test(term.text) && !term.tags.some((tag) => tag === 'Organization' || tag === 'Pronoun');
    if (run.length === 0) afterCue = previous !== undefined && placeCue.has(previous.text.toLowerCase()) && previous.post.trim() === '';
    if (titleCase || (capitals && (afterCue || run.length > 0))) run.push(term);
    else flush();
    // Punctuation between two words ends a run ("Mary, Ariana" are two people).
    if (run.length > 0 && term.post.trim() !== '') flush();
    previous = term;
  }
  flush();
}

// Street addresses written the continental way: a street word first (Rue de Tanger 4, Calle Mayor 12)
// or a street word as the end of one word (Hauptstraße 5, Kaarikatu 32, Drottninggatan 3).
const continentalStreetPattern =
  /\b(?:(?:Rue|Rua|Calle|Carrer|Via|Viale|Piazza|Piazzale|Corso|Avenida|Avda\.|Av\.|Paseo|Camino|Carretera|Praça|Largo|Travessa|Chemin|Allée|Impasse|Quai|Ulica|ul\.|Aleja|Strada|Bulevardul|Calea)\s+(?:(?:de|del|da|do|dos|das|di|della|la|le|les|du|des)\s+)?\p{Lu}[\p{L}'’.-]*(?:\s+\p{Lu}[\p{L}'’.-]*){0,3}(?:,?\s+\d{1,5}[A-Za-z]?)?|\p{Lu}\p{Ll}+(?:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm|straat|laan|gracht|plein|gatan|vägen|gränd|gata|gade|vej|vegen|veien|katu|tie|polku|utca|körút|tér|ulica)\s+\d{1,5}[A-Za-z]?)/gu;

// Address parts that are addresses whatever the language: a street word and a house number, unit
// numbers, US military addresses, and what follows "lives at", "address:", "ship to" up to the end of
// the clause.
const addressPartPatterns: RegExp[] = [
  /\b\p{Lu}[\p{L}-]+\s+(?:Strasse|Straße|Str\.|Weg|Gasse|Allee|Platz|Ring|Damm|Straat|Laan|Gatan|Vägen|Gade|Vej|Vei|Veien|Katu|Tie|utca|u\.|út|rkp\.|tér)\s+\d{1,5}[A-Za-z]?\b\.?/gu,
  /\b(?:Apt\.?|Apartment|Suite|Unit|Flat|P\.?\s?O\.?\s?Box|PO Box)\s*#?\d{1,6}\b/giu,
  /\b(?:PSC|CMR|Unit)\s+\d{3,5},\s+Box\s+\d{3,5}(?:\s+(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5})?/gu,
  /\b(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5}\b/gu,
  /(?<=\b(?:lives? at|living at|located at|address(?: is)?:?|ship(?:ped)? (?:it )?to|deliver(?:ed)? (?:it )?to|send (?:it |this |them )?to|mail (?:it )?to)\s+)\d{1,6}[^.!?\n;]{3,80}/giu,
];

// Organisations named by what is said about them: "works for X", "CEO of X", "X is a design agency",
// "according to the X website", and "<First Last> of X". The name is the capitalised run in group 1.
const capitalisedRun = String.raw`(\p{Lu}[\p{L}\p{N}&'’-]*(?:[ \t]+(?:&[ \t]+)?\p{Lu}[\p{L}\p{N}&'’-]*){0,3})`;
const organisationCuePatterns: RegExp[] = [
  new RegExp(String.raw`\b(?:work(?:s|ed|ing)? (?:for|at)|employed (?:by|at)|joined|(?:CEO|CTO|CFO|COO|founder|co-founder|president|chairman|director|head) of)\s+` + capitalisedRun, 'dgu'),
  new RegExp(capitalisedRun + String.raw`\s+(?:is|was) (?:a|an|the) (?:[\p{L}-]+\s+){0,3}(?:company|agency|firm|startup|start-up|organi[sz]ation|non-?profit|bank|brand|corporation|provider|manufacturer|retailer|consultancy|501\(c\)\(?3\)?)`, 'dgu'),
  new RegExp(String.raw`\baccording to (?:the )?` + capitalisedRun + String.raw`\s+(?:website|report|press release|spokesperson|statement)`, 'dgu'),
  new RegExp(String.raw`\b\p{Lu}\p{Ll}+\s+\p{Lu}[\p{L}'’-]+\s+of\s+` + capitalisedRun, 'dgu'),
];

/** The organisation names the cue patterns point at, without a trailing possessive or full stop. */
function organisationsByCue(text: string): Finding[] {
  const found: Finding[] = [];
  for (const pattern of organisationCuePatterns) {
    for (const match of text.matchAll(pattern)) {
      const name = match[1]!.replace(/['’]s$/u, '');
      const start = match.indices![1]![0];
      if (name.length > 1) found.push({ type: 'ORGANIZATION', start, end: start + name.length });
    }
  }
  return found;
}

/**
 * People, places and organisations named in English text, by compromise's lexicon and tagger (shipped
 * inside the package, nothing fetched), plus street addresses as LOCATION. Costs about 4 ms per KB of
 * text, so it runs only for policies that ask for these types.
 */
export function detectNames(text: string, types: ReadonlySet<NameEntityType>): Finding[] {
  const found: Finding[] = [];
  for (const range of nameBearingRanges(text)) tagNames(text.slice(range.start, range.end), range.start, types, found);
  if (types.has('PERSON')) {
    for (const match of text.matchAll(introducedName)) {
      const start = match.index + match[0].length - match[1]!.length;
      found.push({ type: 'PERSON', start, end: start + match[1]!.length });
    }
  }
  if (types.has('ORGANIZATION')) {
    // What is said about a name outweighs the tagger's guess ("Pave's Irena" is a person at a company).
    const organisations = organisationsByCue(text);
    const outside = found.filter((finding) => !organisations.some((organisation) => finding.start < organisation.end && organisation.start < finding.end));
    found.length = 0;
    found.push(...outside, ...organisations);
  }
  if (!types.has('LOCATION')) return found;
  // An address is matched by its shape; a street named after a person is part of it, not a person.
  const addresses: Finding[] = [];
  for (const pattern of [streetPattern, continentalStreetPattern, ...addressPartPatterns]) {
    for (const match of text.matchAll(pattern)) addresses.push({ type: 'LOCATION', start: match.index, end: match.index + match[0].length });
  }
  const outside = found.filter((finding) => !addresses.some((address) => finding.start < address.end && address.start < finding.end));
  return [...outside, ...addresses];
}

/**
 * The stretches of text worth tagging: sentences with a capital letter after their first word, and
 * short lines with any capital (names and addresses in lists). Tagging costs in proportion to the text,
 * and prose is mostly sentences whose only capital is the first letter.
 */
function nameBearingRanges(text: string): Array<{ start: number; end: number }> {
  const ranges: Array<{ start: number; end: number }> = [];
  for (const sentence of text.matchAll(/[^.!?\n]+(?:[.!?]+|\n+|$)/g)) {
    const body = sentence[0].trimStart();
    const rest = body.replace(/^\S+/, '');
    const short = body.split(/\s+/).length <= 4;
    if (!(/\p{Lu}/u.test(rest) || (short && /\p{Lu}/u.test(body)))) continue;
    const start = sentence.index;
    const end = start + sentence[0].length;
    const last = ranges.at(-1);
    if (last && last.end === start) last.end = end;
    else ranges.push({ start, end });
  }
  return ranges;
}

/** Runs the tagger over one stretch of text; positions are shifted by `offset` into the whole text. */
function tagNames(text: string, offset: number, types: ReadonlySet<NameEntityType>, found: Finding[]): void {
  const document = nlp(text);
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
      if (length > 1) found.push({ type, start: offset + start, end: offset + start + length });
    }
  };
  if (types.has('PERSON')) add('PERSON', document.people());
  if (types.has('LOCATION')) add('LOCATION', document.places());
  if (types.has('ORGANIZATION')) add('ORGANIZATION', document.organizations());
  const runs: Finding[] = [];
  const sentences = document.json({ offset: true, terms: { offset: true } }) as Array<{ terms: TermJson[] }>;
  for (const sentence of sentences) properNounRuns(sentence.terms, types, runs);
  for (const run of runs) found.push({ ...run, start: offset + run.start, end: offset + run.end });
}
