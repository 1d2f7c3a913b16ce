/**
 * A small RFC 4180 CSV reader (quoted fields, doubled quotes, CRLF): the
 * data files here are plain, and a dependency would be more than they need.
 */
import { readFileSync } from "node:fs";

export interface CsvTable {
  file: string;
  header: string[];
  rows: string[][];
}

/** A problem with an input file: the CLI reports it with exit code 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

export function parseCsv(text: string, file = "<csv>"): CsvTable {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  for (; i < n; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      field = "";
      if (record.length > 1 || record[0] !== "") records.push(record);
      record = [];
    } else field += c;
  }
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  if (records.length === 0) throw new InputError(`${file}: empty file`);
  const [header, ...rows] = records;
  return { file, header: header.map((h) => h.trim()), rows };
}

export function readCsv(file: string): CsvTable {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read (${code ?? String(error)})`);
  }
  return parseCsv(text, file);
}

/** Index of the first header matching one of the names (case-insensitive), or -1. */
export function column(table: CsvTable, ...names: string[]): number {
  const lower = table.header.map((h) => h.toLowerCase());
  for (const name of names) {
    const i = lower.indexOf(name.toLowerCase());
    if (i >= 0) return i;
  }
  return -1;
}

export function requireColumn(table: CsvTable, ...names: string[]): number {
  const i = column(table, ...names);
  if (i < 0)
    throw new InputError(`${table.file}: missing column ${names.map((x) => `"${x}"`).join(" or ")} (header: ${table.header.join(", ")})`);
  return i;
}
