import Papa from 'papaparse';
import { BenchmarkError } from '../errors.ts';

export interface CsvRow {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly values: Readonly<Record<string, string>>;
}

export interface CsvTable {
  readonly columns: readonly string[];
  readonly rows: readonly CsvRow[];
}

/** Records with the 1-based line each starts on, read by Papa Parse (RFC 4180: quoted commas, "" and line breaks). */
function readRecords(text: string, file: string): { line: number; fields: string[] }[] {
  const body = text.replace(/^\uFEFF/, '');
  const records: { line: number; fields: string[] }[] = [];
  let line = 1;
  let scanned = 0;
  Papa.parse<string[]>(body, {
    delimiter: ',',
    skipEmptyLines: false,
    step: (row) => {
      const quote = row.errors.find((e) => e.type === 'Quotes');
      if (quote) throw new BenchmarkError('INVALID_CSV', `${file}:${line}: ${quote.message.toLowerCase()}`, { file, line });
      records.push({ line, fields: row.data.map((f) => f.trim()) });
      for (; scanned < row.meta.cursor; scanned++) if (body.charCodeAt(scanned) === 10) line++;
    },
  });
  return records.filter((r) => !(r.fields.length === 1 && r.fields[0] === ''));
}

/** The fields of one CSV line (a header), by the same rules as `parseCsv`. */
export function csvFields(line: string): string[] {
  return (Papa.parse<string[]>(line.replace(/^\uFEFF/, ''), { delimiter: ',' }).data[0] ?? []).map((f) => f.trim());
}

/**
 * A CSV with a header line. Rows whose field count differs from the header's are refused with their line number.
 * The simulator reads trace CSVs with the same library and rules.
 */
export function parseCsv(text: string, file: string, requiredColumns: readonly string[]): CsvTable {
  const [header, ...body] = readRecords(text, file);
  if (header === undefined) throw new BenchmarkError('INVALID_CSV', `${file}: empty CSV file`, { file });
  const columns = header.fields;
  const missing = requiredColumns.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new BenchmarkError(
      'INVALID_CSV',
      `${file}:${header.line}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the header has ${columns.join(', ')}`,
      { file, line: header.line, field: missing[0] },
    );
  }
  const rows: CsvRow[] = [];
  for (const { line, fields } of body) {
    if (fields.length !== columns.length) {
      throw new BenchmarkError('INVALID_CSV', `${file}:${line}: ${fields.length} fields where the header has ${columns.length}`, { file, line });
    }
    const values: Record<string, string> = {};
    columns.forEach((c, j) => (values[c] = fields[j]));
    rows.push({ line, values });
  }
  return { columns, rows };
}
