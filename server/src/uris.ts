/** File paths ↔ `file:` URIs, the one place the server converts between them. */
import { fileURLToPath, pathToFileURL } from 'node:url';

export function uriToPath(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

/** Converted URIs: a revision graph answer converts every migration's path, every time. */
const uriCache = new Map<string, string>();
const URI_CACHE_LIMIT = 100_000;

export function pathToUri(file: string): string {
  let uri = uriCache.get(file);
  if (uri === undefined) {
    uri = pathToFileURL(file).href;
    if (uriCache.size >= URI_CACHE_LIMIT) uriCache.clear();
    uriCache.set(file, uri);
  }
  return uri;
}
