/**
 * What both the guardrail service and the API need: typed placeholders, overlap resolution of
 * findings, the secret detector (the API also scrubs logged prompts and completions with it), and the
 * streaming output checker the API drives chunk by chunk (it asks the service about windows through
 * the inspector it is given).
 */
export { resolveOverlaps, type Finding } from './finding.ts';
export { PlaceholderAllocator, placeholderPattern } from './placeholders.ts';
export { piiPriority } from './priority.ts';
export { partialPlaceholderStart, restorePlaceholders } from './restore-placeholders.ts';
export { base64UrlJsonObject, detectSecret, shannonEntropy } from './secret-detector.ts';
export { scrubSecrets } from './scrub-secrets.ts';
export { StreamingOutputChecker, type StreamingOutputCheckerOptions, type StreamStep, type WindowInspector } from './streaming-output-checker.ts';
