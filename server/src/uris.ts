/** File paths ↔ `file:` URIs, the one place the server converts between them. */
import { fileURLToPath, pathToFileURL } from 'node:url';

export function uriToPath(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}
