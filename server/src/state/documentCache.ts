/**
 * The current text of a migration (the open buffer, else the file on disk, read as a bounded
 * regular file) and its full parse, cached until the text changes.
 */
import type { PythonParser } from '../alembic/pythonParser';
import { parseMigrationWith, type ParsedMigration } from '../alembic/migrationParser';
import { decodeSource, looksBinary, readSourceBytes } from '../alembic/migrationFile';

const PARSE_CACHE_SIZE = 200;

export class DocumentCache {
  private readonly parseCache = new Map<string, { text: string; parsed: ParsedMigration }>();
  /** Set once the Python parser has loaded (after the index: lint starts then). */
  python: PythonParser | undefined;

  constructor(private readonly openText: (file: string) => string | undefined) {}

  /** The current text of a file: the open buffer, else the disk (undefined if unreadable). */
  textOf(file: string): string | undefined {
    const open = this.openText(file);
    if (open !== undefined) return open;
    try {
      const bytes = readSourceBytes(file);
      if (looksBinary(bytes)) return undefined;
      return decodeSource(bytes);
    } catch {
      return undefined;
    }
  }

  /** The full parse of a file's current text (cached until the text changes). */
  parsed(file: string): ParsedMigration | undefined {
    const text = this.textOf(file);
    if (text === undefined || !this.python) return undefined;
    const hit = this.parseCache.get(file);
    if (hit && hit.text === text) return hit.parsed;
    const parsed = parseMigrationWith(this.python, text);
    this.parseCache.set(file, { text, parsed });
    if (this.parseCache.size > PARSE_CACHE_SIZE) this.parseCache.delete(this.parseCache.keys().next().value!);
    return parsed;
  }
}
