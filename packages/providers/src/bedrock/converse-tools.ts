import { GatewayError, type ChatCompletionRequest } from '@gateway/contracts';
import type { Warning } from '../types.ts';
import { unsupportedSetting } from '../warnings.ts';
import { calledToolNames, hasToolBlocks } from './converse-messages.ts';
import type { ConverseMessage, ConverseToolChoice, ConverseToolSpec } from './converse-types.ts';

/**
 * OpenAI tools, tool_choice and response_format → Converse `toolConfig`.
 *
 * - function tools → `toolSpec` (parameters as `inputSchema.json`); other tool types are not sent (warning);
 * - tool_choice auto → `{auto:{}}`, required → `{any:{}}`, a named function → `{tool:{name}}`;
 *   none → no tools sent when the conversation holds no tool blocks; otherwise Converse needs the tools
 *   declared and has no "none", so they are sent with auto (warning);
 * - a conversation with tool calls but no tools in the request (OpenAI allows it, e.g. to get a final
 *   answer after a tool loop; Converse refuses toolUse/toolResult blocks without a toolConfig): the
 *   called tools are declared from the history with an open input schema, with a warning that the model
 *   may call them again. Chosen over refusing the request: the client's conversation stays valid and
 *   the answer is what it asked for in the common case;
 * - response_format json_schema → the structured output Bedrock documents: a tool whose input schema is
 *   the schema, forced when it is the only tool (offered beside the client's tools otherwise, with a
 *   warning, so strict mode refuses it); its
 *   `toolUse` input is turned back into the answer's JSON text. json_object has no equivalent (warning).
 */

export interface ConverseToolConfig {
  toolConfig?: { tools: ConverseToolSpec[]; toolChoice?: ConverseToolChoice };
  /** The name of the tool standing for response_format json_schema, if any. */
  structuredOutputTool?: string;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const toolNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;
const fallbackStructuredOutputName = 'structured_output';

function userTools(request: ChatCompletionRequest, provider: string, warnings: Warning[]): ConverseToolSpec[] {
  const specs: ConverseToolSpec[] = [];
  for (const tool of request.tools ?? []) {
    if (tool.type !== 'function' || !isRecord(tool.function) || typeof tool.function.name !== 'string') {
      warnings.push(unsupportedSetting(provider, 'tools', `tools of type ${String(tool.type).slice(0, 40)}`));
      continue;
    }
    const definition = tool.function;
    if (definition.strict === true) {
      warnings.push({
        type: 'unsupported-setting',
        setting: 'tools',
        message: `provider ${provider} does not enforce strict tool schemas; tool ${String(definition.name).slice(0, 64)} was sent without strict`,
      });
    }
    specs.push({
      toolSpec: {
        name: definition.name as string,
        ...(typeof definition.description === 'string' && definition.description.length > 0
          ? { description: definition.description }
          : {}),
        inputSchema: { json: isRecord(definition.parameters) ? definition.parameters : { type: 'object', properties: {} } },
      },
    });
  }
  return specs;
}

function structuredOutputSpec(
  request: ChatCompletionRequest,
  taken: ConverseToolSpec[],
  provider: string,
  warnings: Warning[],
): ConverseToolSpec | undefined {
  const format = request.response_format;
  if (!isRecord(format) || format.type === 'text') return undefined;
  if (format.type === 'json_object') {
    warnings.push(
      unsupportedSetting(provider, 'response_format', 'json_object has no Converse equivalent; ask for JSON in the prompt or use json_schema'),
    );
    return undefined;
  }
  if (format.type !== 'json_schema') {
    warnings.push(unsupportedSetting(provider, 'response_format', `type ${String(format.type).slice(0, 40)}`));
    return undefined;
  }
  const definition = isRecord(format.json_schema) ? format.json_schema : {};
  const wanted = typeof definition.name === 'string' ? definition.name : '';
  const name =
    toolNamePattern.test(wanted) && !taken.some((tool) => tool.toolSpec.name === wanted) ? wanted : fallbackStructuredOutputName;
  const description = typeof definition.description === 'string' && definition.description.length > 0 ? `${definition.description}. ` : '';
  return {
    toolSpec: {
      name,
      description: `${description}Give the final answer as this tool's input, matching its schema exactly.`,
      inputSchema: { json: isRecord(definition.schema) ? definition.schema : { type: 'object' } },
    },
  };
}

function toolChoiceOf(request: ChatCompletionRequest): ConverseToolChoice | undefined {
  const choice = request.tool_choice;
  if (choice === 'auto') return { auto: {} };
  if (choice === 'required') return { any: {} };
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string') {
    return { tool: { name: choice.function.name } };
  }
  if (choice === undefined || choice === null || choice === 'none') return undefined;
  throw new GatewayError('invalid_request', 'tool_choice must be auto, required, none or a named function', { param: 'tool_choice' });
}

/** Tools the history called but the request does not declare: names only, any object as input. */
function toolsFromHistory(history: ConverseMessage[], provider: string, warnings: Warning[]): ConverseToolSpec[] {
  const names = calledToolNames(history);
  if (names.length === 0) return [];
  warnings.push({
    type: 'unsupported-setting',
    setting: 'tools',
    message: `provider ${provider} needs the tools of a conversation with tool calls declared; the request declares none, so ${names
      .map((name) => name.slice(0, 64))
      .join(', ')
      .slice(0, 400)} were declared from the history without their schemas, and the model may call them`,
  });
  return names.map((name) => ({ toolSpec: { name, inputSchema: { json: { type: 'object', properties: {} } } } }));
}

export function converseToolConfig(
  request: ChatCompletionRequest,
  history: ConverseMessage[],
  provider: string,
  warnings: Warning[],
): ConverseToolConfig {
  const historyHasToolBlocks = hasToolBlocks(history);
  let tools = userTools(request, provider, warnings);
  if (tools.length === 0 && historyHasToolBlocks) tools = toolsFromHistory(history, provider, warnings);
  if (request.tool_choice === 'none' && tools.length > 0) {
    if (historyHasToolBlocks) {
      warnings.push(
        unsupportedSetting(
          provider,
          'tool_choice',
          'Converse has no "none" and needs the tools declared for a conversation with tool calls; they were sent with auto',
        ),
      );
    } else {
      // Without tools the model cannot call one: exactly what "none" asks.
      tools = [];
    }
  }
  const structured = structuredOutputSpec(request, tools, provider, warnings);
  if (structured) {
    const forced = tools.length === 0;
    if (!forced) {
      warnings.push({
        type: 'unsupported-setting',
        setting: 'response_format',
        message: `provider ${provider} answers a json_schema response_format through a tool, which cannot be forced beside the request's tools; the model may answer in plain text or call the other tools`,
      });
    }
    return {
      toolConfig: {
        tools: [...tools, structured],
        ...(forced ? { toolChoice: { tool: { name: structured.toolSpec.name } } } : optionalChoice(toolChoiceOf(request))),
      },
      structuredOutputTool: structured.toolSpec.name,
    };
  }
  if (tools.length === 0) return {};
  return { toolConfig: { tools, ...optionalChoice(toolChoiceOf(request)) } };
}

function optionalChoice(choice: ConverseToolChoice | undefined): { toolChoice?: ConverseToolChoice } {
  return choice ? { toolChoice: choice } : {};
}
