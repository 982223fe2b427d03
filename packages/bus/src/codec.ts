/**
 * JSON on the wire. The in-process bus goes through the same encoding so that handlers never receive
 * anything a NATS handler could not (a Date, a Map, an object shared with the caller).
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Throws a SyntaxError when the bytes are not JSON. */
export function decodeJson(data: Uint8Array): unknown {
  return JSON.parse(decoder.decode(data));
}
