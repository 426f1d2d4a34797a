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

/** Splits one CSV line, honouring double-quoted fields ("a,b" and doubled "" quotes). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      out.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  out.push(field);
  return out.map((f) => f.trim());
}

/**
 * A CSV with a header line (fields holding line breaks are not supported: the files this package reads
 * have none). Rows whose field count differs from the header's are refused with their line number.
 */
export function parseCsv(text: string, file: string, requiredColumns: readonly string[]): CsvTable {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw new BenchmarkError('INVALID_CSV', `${file}: empty CSV file`, { file });
  const columns = splitCsvLine(lines[headerIndex].replace(/^\uFEFF/, ''));
  const missing = requiredColumns.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new BenchmarkError(
      'INVALID_CSV',
      `${file}:${headerIndex + 1}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the header has ${columns.join(', ')}`,
      { file, line: headerIndex + 1, field: missing[0] },
    );
  }
  const rows: CsvRow[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const fields = splitCsvLine(lines[i]);
    if (fields.length !== columns.length) {
      throw new BenchmarkError(
        'INVALID_CSV',
        `${file}:${i + 1}: ${fields.length} fields where the header has ${columns.length}`,
        { file, line: i + 1 },
      );
    }
    const values: Record<string, string> = {};
    columns.forEach((c, j) => (values[c] = fields[j]));
    rows.push({ line: i + 1, values });
  }
  return { columns, rows };
}
