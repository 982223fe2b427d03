import { countTokens } from './fake-tokens.ts';
import { isRecord, type Json } from './json-record.ts';

/**
 * A value of a JSON schema's shape, as the fakes answer structured output and tool arguments:
 * strings filled with the echoed text, numbers with its token count, the first of an enum.
 */

/** How a schema dialect is read. */
interface SchemaDialect {
  /** The type the value takes, lower-case. */
  typeOf(schema: Json): unknown;
  /** Whether `required` names without a property still get a value. */
  requiredProperties: boolean;
}

const jsonSchema: SchemaDialect = {
  typeOf: (schema) => (Array.isArray(schema.type) ? schema.type[0] : schema.type),
  requiredProperties: false,
};

const googleSchema: SchemaDialect = {
  typeOf(schema) {
    const rawType = Array.isArray(schema.type) ? schema.type.find((type) => type !== 'null') : schema.type;
    if (typeof rawType !== 'string') return isRecord(schema.properties) ? 'object' : 'string';
    // Google's schema says `nullable` rather than a null type; a lone null type is answered as text.
    const type = rawType.toLowerCase();
    return type === 'null' ? 'string' : type;
  },
  requiredProperties: true,
};

function valueOf(schema: unknown, text: string, dialect: SchemaDialect, depth: number): unknown {
  if (!isRecord(schema) || depth > 5) return text;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (dialect.typeOf(schema)) {
    case 'object': {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      const required =
        dialect.requiredProperties && Array.isArray(schema.required) ? schema.required.filter((name) => typeof name === 'string') : [];
      const names = new Set([...Object.keys(properties), ...required]);
      return Object.fromEntries([...names].map((name) => [name, valueOf(properties[name], text, dialect, depth + 1)]));
    }
    case 'array':
      return [valueOf(schema.items, text, dialect, depth + 1)];
    case 'integer':
    case 'number':
      return countTokens(text);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return text;
  }
}

/** A value of the JSON schema's shape, strings filled with `text`. */
export function valueForSchema(schema: unknown, text: string): unknown {
  return valueOf(schema, text, jsonSchema, 0);
}

/** The same for Gemini: JSON Schema, or Google's OpenAPI subset with upper-case types and `required` names. */
export function valueForGoogleSchema(schema: unknown, text: string): unknown {
  return valueOf(schema, text, googleSchema, 0);
}
