/**
 * A chat answer as the text the request log keeps: the answer's text and its tool calls
 * (`tool call name(arguments)`), per choice when there are several. Built from a whole answer or
 * piece by piece from the stream as the client got it, in either surface's shape. It stops growing
 * past `limit` characters and says so (`overflowed`), so a long stream costs bounded memory.
 */

type Fields = Record<string, unknown>;

const isRecord = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

interface Block {
  kind: 'text' | 'tool';
  choice: number;
  name: string;
  text: string;
}

export class CompletionText {
  private readonly blocks = new Map<string, Block>();
  private length = 0;
  #overflowed = false;

  constructor(
    private readonly surface: 'openai' | 'anthropic',
    private readonly limit: number,
  ) {}

  /** Whether text was left out because the answer ran past the limit. */
  get overflowed(): boolean {
    return this.#overflowed;
  }

  /** Whether anything was seen at all (an answer with neither text nor tool calls is still an answer). */
  get empty(): boolean {
    return this.blocks.size === 0;
  }

  /** A whole answer: an OpenAI chat completion or an Anthropic message. */
  addAnswer(answer: unknown): void {
    if (!isRecord(answer)) return;
    if (this.surface === 'openai') {
      for (const choice of Array.isArray(answer.choices) ? answer.choices.filter(isRecord) : []) {
        const index = typeof choice.index === 'number' ? choice.index : 0;
        const message = isRecord(choice.message) ? choice.message : {};
        this.append(`text:${index}`, 'text', index, typeof message.content === 'string' ? message.content : '');
        if (typeof message.refusal === 'string') this.append(`text:${index}`, 'text', index, message.refusal);
        for (const [position, call] of (Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : []).entries()) {
          const fn = isRecord(call.function) ? call.function : {};
          this.append(`tool:${index}:${position}`, 'tool', index, stringOf(fn.arguments), stringOf(fn.name));
        }
      }
      return;
    }
    for (const [position, block] of (Array.isArray(answer.content) ? answer.content.filter(isRecord) : []).entries()) this.startBlock(position, block);
  }

  /**
   * One streamed event's data as it was sent to the client: an OpenAI chunk, an Anthropic event's data,
   * or either as JSON text (a stream replayed from the cache). Anything else (`[DONE]`, errors, pings)
   * adds nothing.
   */
  addStreamed(data: unknown): void {
    let value = data;
    if (typeof value === 'string') {
      if (!value.startsWith('{')) return;
      try {
        value = JSON.parse(value);
      } catch {
        return;
      }
    }
    if (!isRecord(value)) return;
    if (this.surface === 'openai') this.addChunk(value);
    else this.addEvent(value);
  }

  private addChunk(chunk: Fields): void {
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices.filter(isRecord) : []) {
      const index = typeof choice.index === 'number' ? choice.index : 0;
      const delta = isRecord(choice.delta) ? choice.delta : {};
      if (typeof delta.content === 'string') this.append(`text:${index}`, 'text', index, delta.content);
      if (typeof delta.refusal === 'string') this.append(`text:${index}`, 'text', index, delta.refusal);
      for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls.filter(isRecord) : []) {
        const fn = isRecord(call.function) ? call.function : {};
        const position = typeof call.index === 'number' ? call.index : 0;
        this.append(`tool:${index}:${position}`, 'tool', index, stringOf(fn.arguments), stringOf(fn.name));
      }
    }
  }

  private addEvent(event: Fields): void {
    const index = typeof event.index === 'number' ? event.index : 0;
    if (event.type === 'content_block_start' && isRecord(event.content_block)) {
      this.startBlock(index, event.content_block);
    } else if (event.type === 'content_block_delta' && isRecord(event.delta)) {
      const { delta } = event;
      if (delta.type === 'text_delta' && typeof delta.text === 'string') this.append(`block:${index}`, 'text', 0, delta.text);
      else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') this.append(`block:${index}`, 'tool', 0, delta.partial_json);
    }
  }

  /** An Anthropic content block, whole or as its stream starts it: text and tool use are kept, thinking is not. */
  private startBlock(index: number, block: Fields): void {
    if (block.type === 'text') {
      this.append(`block:${index}`, 'text', 0, stringOf(block.text));
    } else if (block.type === 'tool_use' || block.type === 'server_tool_use') {
      // A streamed tool use starts with `input: {}` and sends its arguments as JSON deltas.
      const input = isRecord(block.input) && Object.keys(block.input).length === 0 ? '' : JSON.stringify(block.input ?? null);
      this.append(`block:${index}`, 'tool', 0, input, stringOf(block.name));
    }
  }

  private append(id: string, kind: Block['kind'], choice: number, text: string, name = ''): void {
    let block = this.blocks.get(id);
    if (!block) {
      block = { kind, choice, name: '', text: '' };
      this.blocks.set(id, block);
    }
    if (this.length >= this.limit) {
      if (text.length > 0 || name.length > 0) this.#overflowed = true;
      return;
    }
    block.name += name;
    block.text += text;
    this.length += text.length + name.length;
  }

  /** The answer as text; '' when nothing was seen. */
  text(): string {
    const blocks = [...this.blocks.values()];
    const choices = [...new Set(blocks.map((block) => block.choice))].sort((left, right) => left - right);
    const render = (block: Block) => (block.kind === 'tool' ? `tool call ${block.name}(${block.text})` : block.text);
    if (choices.length <= 1) return blocks.map(render).filter((text) => text !== '').join('\n');
    return choices
      .map((choice) => `choice ${choice}:\n${blocks.filter((block) => block.choice === choice).map(render).filter((text) => text !== '').join('\n')}`)
      .join('\n\n');
  }
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
