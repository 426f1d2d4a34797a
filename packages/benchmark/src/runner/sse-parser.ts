/**
 * An incremental parser of Server-Sent Events (the WHATWG `text/event-stream` format): feed it text as it
 * arrives, in pieces cut anywhere, and it returns the `data` of every event completed so far. Only `data`
 * matters to an OpenAI-compatible stream; `event`, `id`, `retry` and comment lines are skipped.
 */
export interface SseParser {
  /** The data of the events that this piece completed (multi-line data joined with `\n`), in order. */
  push(text: string): string[];
  /** At the end of the stream: the data of an event left without its closing blank line, if any. */
  finish(): string[];
}

export function createSseParser(): SseParser {
  let buffer = '';
  let dataLines: string[] = [];
  let hasData = false;

  const takeLine = (line: string, out: string[]): void => {
    if (line === '') {
      if (hasData) out.push(dataLines.join('\n'));
      dataLines = [];
      hasData = false;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    dataLines.push(value);
    hasData = true;
  };

  return {
    push(text) {
      buffer += text;
      const out: string[] = [];
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const ch = buffer[i];
        if (ch !== '\n' && ch !== '\r') continue;
        // A CR that ends the buffer may be the first half of a CRLF split across pieces: wait for the next one.
        if (ch === '\r' && i === buffer.length - 1) break;
        takeLine(buffer.slice(start, i), out);
        if (ch === '\r' && buffer[i + 1] === '\n') i++;
        start = i + 1;
      }
      buffer = buffer.slice(start);
      return out;
    },
    finish() {
      const out: string[] = [];
      if (buffer !== '') takeLine(buffer.replace(/\r$/, ''), out);
      buffer = '';
      if (hasData) out.push(dataLines.join('\n'));
      dataLines = [];
      hasData = false;
      return out;
    },
  };
}
