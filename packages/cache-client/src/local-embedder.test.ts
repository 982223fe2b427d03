import { describe, expect, it } from 'vitest';
import { cosineSimilarity, createLocalEmbedder, DEFAULT_LOCAL_EMBEDDING_DIMENSION, dotProduct, words } from './local-embedder.ts';

const embedder = createLocalEmbedder();
const similarity = (left: string, right: string) => dotProduct(embedder.embed(left), embedder.embed(right));

describe('words', () => {
  it('lower-cases, normalises and splits on anything but letters and digits', () => {
    expect(words("Don't PANIC: ｆｕｌｌ-width café 42!")).toEqual(['dont', 'panic', 'full', 'width', 'café', '42']);
  });
});

describe('createLocalEmbedder', () => {
  it('returns L2-normalised vectors of the configured dimension', () => {
    const vector = embedder.embed('What is the capital of France?');
    expect(vector).toBeInstanceOf(Float32Array);
    expect(vector.length).toBe(DEFAULT_LOCAL_EMBEDDING_DIMENSION);
    expect(dotProduct(vector, vector)).toBeCloseTo(1, 5);
    expect(createLocalEmbedder({ dimension: 64 }).embed('hello').length).toBe(64);
  });

  it('is deterministic, across calls and across instances', () => {
    const text = 'How do I reset my password?';
    expect(Array.from(embedder.embed(text))).toEqual(Array.from(createLocalEmbedder().embed(text)));
    expect(Array.from(embedder.embed(text))).toEqual(Array.from(embedder.embed(text)));
  });

  it('gives identical texts similarity 1, ignoring case and punctuation', () => {
    expect(similarity('What is the capital of France?', 'what is the capital of france')).toBeCloseTo(1, 5);
  });

  it('scores a rewording with shared words above an unrelated question', () => {
    const question = 'How do I reset my password?';
    const rewording = 'How can I reset my password';
    const unrelated = 'What is the boiling point of water at sea level?';
    expect(similarity(question, rewording)).toBeGreaterThan(0.7);
    expect(similarity(question, unrelated)).toBeLessThan(0.3);
    expect(similarity(question, rewording)).toBeGreaterThan(similarity(question, unrelated));
  });

  it('embeds an empty text as the zero vector, similar to nothing', () => {
    const empty = embedder.embed('  ?! ');
    expect(empty.every((value) => value === 0)).toBe(true);
    expect(cosineSimilarity(empty, embedder.embed('hello'))).toBe(0);
  });

  it('refuses a dimension that is not a positive integer', () => {
    expect(() => createLocalEmbedder({ dimension: 0 })).toThrow(/dimension/);
    expect(() => createLocalEmbedder({ dimension: 1.5 })).toThrow(/dimension/);
  });
});

describe('cosineSimilarity', () => {
  it('does not need normalised vectors', () => {
    expect(cosineSimilarity(Float32Array.of(2, 0), Float32Array.of(5, 0))).toBeCloseTo(1, 6);
    expect(cosineSimilarity(Float32Array.of(1, 0), Float32Array.of(0, 3))).toBe(0);
    expect(cosineSimilarity(Float32Array.of(1, 1), Float32Array.of(-1, -1))).toBeCloseTo(-1, 6);
  });

  it('refuses vectors of different lengths', () => {
    expect(() => cosineSimilarity(Float32Array.of(1), Float32Array.of(1, 0))).toThrow(/length/);
  });
});
