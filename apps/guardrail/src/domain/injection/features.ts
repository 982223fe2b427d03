/**
 * Text → sparse features for the injection classifier: lower-cased word unigrams and bigrams, character
 * 4-grams of words (robust to inflection, typos and German compounds), and cue families that name what
 * injections do in words a training set may not have (override, role play, prompt leak, obfuscation).
 * Features are hashed into a fixed space so the model file stays small and unseen words cost nothing.
 */
export const FEATURE_BITS = 18;
const featureMask = (1 << FEATURE_BITS) - 1;

/** FNV-1a, 32 bit. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}

/** Families of cues, English, German, French and Spanish; each family is one feature. */
const cueFamilies: Record<string, RegExp> = {
  override:
    /\b(?:ignore|disregard|forget|skip|bypass|override|overlook|vergiss|vergessen|ignorier\w*|missacht\w*|oubliez|oublie|ignorez|olvida|ignora)\b[\s\S]{0,60}\b(?:previous|prior|above|earlier|all|everything|instructions?|rules?|tasks?|prompts?|bisherig\w*|vorherig\w*|obig\w*|alles|anweisung\w*|instructions|toutes|todo|instrucciones)\b/i,
  newTask: /\b(?:new (?:task|instructions?|role)|now (?:you|your|focus|follow)|from now on|neue(?:n)? aufgabe\w*|ab (?:jetzt|sofort)|nun folgen|jetzt kommen)\b/i,
  rolePlay: /\b(?:you are (?:now |no longer |a |an |the )|act as|pretend|role ?play|stay in (?:character|role)|du bist (?:jetzt |nun |ab jetzt )?|tu es |eres |als \w+ fungieren|spiel\w* (?:die|eine) rolle)\b/i,
  promptLeak: /\b(?:system prompt|your (?:prompt|instructions|rules)|prompt[ _-]?texts?|initial (?:prompt|instructions)|reveal|show me (?:all )?your|print your|zeig\w* (?:mir )?(?:deine|alle)|dein\w* (?:prompt|anweisung\w*))\b/i,
  jailbreak: /\b(?:jailbreak|dan mode|developer mode|do anything now|no (?:restrictions|limits|filters)|uncensored|without (?:any )?(?:restrictions|censorship|filters)|ohne (?:einschränkung\w*|zensur))\b/i,
  outputControl: /\b(?:say|write|print|output|answer with|respond with|repeat after me|sag\w*|schreib\w*|gib \w+ aus|antworte mit|dites|escribe)\b\s*[:"'“„]/i,
  stopWords: /(?:^|[\s.!?"'])(?:stop|stopp|attention|achtung|halt)\b\s*[-:!]/i,
  praise: /\b(?:well done|great job|excellent (?:work|performance)|very good|super gemacht|ausgezeichnet\w*|sehr gut|gut gemacht|bravo)\b/i,
};

export interface FeatureVector {
  /** Hashed feature indexes (with repeats: a feature counts as often as it occurs). */
  indexes: number[];
  /** Counts parallel to `indexes`, scaled so that long texts do not outweigh short ones. */
  values: number[];
}

export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
}

export function extractFeatures(text: string): FeatureVector {
  const counts = new Map<number, number>();
  const add = (feature: string) => {
    const index = hash(feature) & featureMask;
    counts.set(index, (counts.get(index) ?? 0) + 1);
  };
  const tokens = tokenize(text);
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    add(`w:${token}`);
    if (index > 0) add(`b:${tokens[index - 1]} ${token}`);
    const padded = `<${token}>`;
    for (let start = 0; start + 4 <= padded.length; start++) add(`c:${padded.slice(start, start + 4)}`);
  }
  for (const [name, pattern] of Object.entries(cueFamilies)) if (pattern.test(text)) add(`cue:${name}`);
  // Shape: many sentences or a question followed by imperatives is typical of stacked injections.
  const sentences = text.split(/[.!?]+\s/).length;
  if (sentences >= 3) add('shape:multi-sentence');
  if (/[A-ZÄÖÜ]{4,}\s+[A-ZÄÖÜ]{4,}/.test(text)) add('shape:shouting');
  if (/\\n|\n{2,}/.test(text)) add('shape:newlines');
  add('bias');
  const norm = 1 / Math.sqrt(Math.max(1, tokens.length));
  const indexes: number[] = [];
  const values: number[] = [];
  for (const [index, count] of counts) {
    indexes.push(index);
    values.push(count * norm);
  }
  return { indexes, values };
}
