import { BenchmarkError } from '../errors.ts';

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Line of a JSON.parse failure, from the position V8 reports ("at position 42" or "line 3 column 5"). */
function failureLine(text: string, message: string): number | undefined {
  const lineCol = /line (\d+) column \d+/.exec(message);
  if (lineCol) return Number(lineCol[1]);
  const position = /position (\d+)/.exec(message);
  if (position) return lineAt(text, Number(position[1]));
  // A cut-off file ("Unexpected end of JSON input") fails where it ends.
  if (/end of JSON/i.test(message)) return lineAt(text, text.trimEnd().length);
  return undefined;
}

export interface JsonDocument {
  readonly value: unknown;
  /** 1-based line where the document starts in the file. */
  readonly line: number;
}

/**
 * One JSON document, or several one per line (what `vllm bench serve --append-result` writes). Errors name
 * the file and the line of the failure.
 */
export function parseJsonDocuments(text: string, file: string): JsonDocument[] {
  try {
    return [{ value: JSON.parse(text), line: 1 }];
  } catch (whole) {
    const lines = text.split(/\r?\n/);
    const nonBlank = lines.filter((l) => l.trim() !== '');
    if (nonBlank.length > 1 && nonBlank.every((l) => l.trim().startsWith('{'))) {
      const docs: JsonDocument[] = [];
      lines.forEach((l, i) => {
        if (l.trim() === '') return;
        try {
          docs.push({ value: JSON.parse(l), line: i + 1 });
        } catch (e) {
          throw new BenchmarkError('INVALID_JSON', `${file}:${i + 1}: not valid JSON (${(e as Error).message})`, {
            file,
            line: i + 1,
          });
        }
      });
      return docs;
    }
    const message = (whole as Error).message;
    const line = failureLine(text, message);
    throw new BenchmarkError('INVALID_JSON', `${file}${line ? `:${line}` : ''}: not valid JSON (${message})`, { file, line });
  }
}

/** 1-based lines where the objects of a top-level JSON array start (scanning strings and nesting). */
function arrayObjectLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') line++;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      if (depth === 1 && ch === '{') lines.push(line);
      depth++;
    } else if (ch === '}' || ch === ']') depth--;
  }
  return lines;
}

/**
 * Like `parseJsonDocuments`, with a top-level array read as one document per element (what `vllm bench
 * sweep` writes to `summary.json`); each element keeps the line it starts on and its index.
 */
export function parseJsonRecords(text: string, file: string): (JsonDocument & { readonly index?: number })[] {
  const documents = parseJsonDocuments(text, file);
  if (documents.length !== 1 || !Array.isArray(documents[0].value)) return documents;
  const elements = documents[0].value as unknown[];
  const lines = arrayObjectLines(text);
  return elements.map((value, index) => ({ value, line: lines[index] ?? documents[0].line, index }));
}
