/** A span of a text that a detector matched: positions are UTF-16 offsets, `end` exclusive. */
export interface Finding {
  /** An entity type (`EMAIL_ADDRESS`…) or a match kind (`REGEX`, `KEYWORD`, `TOPIC`). */
  type: string;
  start: number;
  end: number;
}

/**
 * Keeps the findings that do not overlap, preferring the earlier-listed types of `priority` (a secret
 * over the URL it sits in) and then the longer span; returns them ordered by start.
 */
export function resolveOverlaps<F extends Finding>(findings: readonly F[], priority: readonly string[] = []): F[] {
  const rank = (type: string) => {
    const index = priority.indexOf(type);
    return index === -1 ? priority.length : index;
  };
  const ordered = [...findings].sort((a, b) => rank(a.type) - rank(b.type) || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: F[] = [];
  for (const finding of ordered) {
    if (!kept.some((other) => finding.start < other.end && other.start < finding.end)) kept.push(finding);
  }
  return kept.sort((a, b) => a.start - b.start);
}
