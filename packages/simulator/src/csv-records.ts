import Papa from 'papaparse';

/** A CSV file's records as RFC 4180 reads them (quoted commas, doubled quotes, quoted line breaks), cells trimmed. */
export interface CsvRecords {
  /** Every record, the header first; a blank line is a record of one empty cell. */
  readonly records: readonly string[][];
  /** 1-based line where record `index` starts (records and lines differ only after a quoted line break). */
  lineOf(index: number): number;
  /** The first malformed quote, if any: its record index and the parser's reason. */
  readonly quoteError?: { readonly index: number; readonly message: string };
}

/** Reads a CSV with Papa Parse; the comma is fixed (no guessing), a byte-order mark is dropped. */
export function readCsvRecords(text: string): CsvRecords {
  const body = text.replace(/^\uFEFF/, '');
  const parsed = Papa.parse<string[]>(body, { delimiter: ',', skipEmptyLines: false });
  const records = parsed.data.map((cells) => cells.map((c) => c.trim()));
  const quote = parsed.errors.find((e) => e.type === 'Quotes');
  let starts: number[] | undefined;
  const lineOf = (index: number): number => {
    if (!body.includes('"')) return index + 1;
    // Only for files with quotes: a record starts after each line break outside quotes ("" toggles twice).
    if (!starts) {
      starts = [1];
      let line = 1;
      let quoted = false;
      for (let i = 0; i < body.length; i++) {
        const ch = body.charCodeAt(i);
        if (ch === 34) quoted = !quoted;
        else if (ch === 10) {
          line++;
          if (!quoted) starts.push(line);
        }
      }
    }
    return starts[index] ?? index + 1;
  };
  return { records, lineOf, quoteError: quote?.row === undefined ? undefined : { index: quote.row, message: quote.message } };
}

/** Whether a record is a blank line. */
export function isBlankRecord(cells: readonly string[]): boolean {
  return cells.length === 1 && cells[0] === '';
}
