/**
 * What both the guardrail service and the API need: typed placeholders, overlap resolution of
 * findings, and the streaming output checker the API drives chunk by chunk (it asks the service about
 * windows through the inspector it is given).
 */
export { resolveOverlaps, type Finding } from './finding.ts';
export { PlaceholderAllocator, placeholderPattern } from './placeholders.ts';
export { piiPriority } from './priority.ts';
export { partialPlaceholderStart, restorePlaceholders } from './restore-placeholders.ts';
export { StreamingOutputChecker, type StreamingOutputCheckerOptions, type StreamStep, type WindowInspector } from './streaming-output-checker.ts';
