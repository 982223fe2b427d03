import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const ajv = new Ajv2020({ strict: false, allErrors: false });
const compiled = new Map<string, ValidateFunction>();
const maxCompiled = 256;

/** A compiled validator per distinct schema (compiling costs milliseconds; policies repeat). */
function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    // Schemas are compiled with 2020-12 rules; a `$schema` naming draft-07 would make Ajv look for that meta-schema.
    const { $schema: _dialect, ...rest } = schema;
    validate = ajv.compile(rest);
    if (compiled.size >= maxCompiled) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, validate);
  }
  return validate;
}

/** The JSON a model answered, with a Markdown code fence around it tolerated. */
function parseAnswer(text: string): { ok: true; value: unknown } | { ok: false } {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  try {
    return { ok: true, value: JSON.parse(fenced ? fenced[1]! : text) };
  } catch {
    return { ok: false };
  }
}

/** Why the text is not a JSON document valid against the schema; undefined when it is. Never quotes the data. */
export function jsonSchemaProblem(text: string, schema: Record<string, unknown>): string | undefined {
  let validate: ValidateFunction;
  try {
    validate = validatorFor(schema);
  } catch (error) {
    return `the policy's schema does not compile (${(error as Error).message})`;
  }
  const parsed = parseAnswer(text);
  if (!parsed.ok) return 'the output is not JSON';
  if (validate(parsed.value)) return undefined;
  const first = validate.errors?.[0];
  return first ? `${first.instancePath || '/'} ${first.message ?? 'is not valid'}` : 'the output does not match the schema';
}
