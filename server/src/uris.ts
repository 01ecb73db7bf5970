/** File paths ↔ `file:` URIs, the one place the server converts between them. */
import { fileURLToPath, pathToFileURL } from 'node:url';

export function uriToPath(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

/** Converted URIs: a revision graph answer converts every migration's path, every time. */
const uriCache = new Map<string, string>();
const URI_CACHE_LIMIT = 100_000;

/** POSIX paths made only of characters a file URL keeps as they are (Node encodes `~`, spaces, `#`, `%`, non-ASCII…). */
const PLAIN_PATH = /^\/[A-Za-z0-9._\-/+@,=:]*$/;

/** True when `file`'s URI is `file://` followed by the path itself (no character encoded). */
export function isPlainPath(file: string): boolean {
  return process.platform !== 'win32' && PLAIN_PATH.test(file) && !file.includes('//') && !/(^|\/)\.\.?(\/|$)/.test(file);
}

export function pathToUri(file: string): string {
  let uri = uriCache.get(file);
  if (uri === undefined) {
    // pathToFileURL costs ~9 µs; a graph answer converts every migration's path.
    uri = isPlainPath(file) ? `file://${file}` : pathToFileURL(file).href;
    if (uriCache.size >= URI_CACHE_LIMIT) uriCache.clear();
    uriCache.set(file, uri);
  }
  return uri;
}
