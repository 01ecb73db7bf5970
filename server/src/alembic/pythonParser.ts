/**
 * Loads web-tree-sitter and the tree-sitter-python grammar once per process. The .wasm files
 * sit beside the bundle (esbuild.mjs copies them); when running from transpiled sources
 * (tests), they are found in node_modules instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Language, Parser, Query } from 'web-tree-sitter';

export type { Node as SyntaxNode, Tree } from 'web-tree-sitter';

function wasmPath(file: string, packagePath: string): string {
  const beside = path.join(__dirname, file);
  return fs.existsSync(beside) ? beside : require.resolve(packagePath);
}

export interface PythonParser {
  parser: Parser;
  language: Language;
  /** `(call) @call`, compiled once: a query extracts faster than a JS tree walk. */
  callQuery: Query;
}

let loading: Promise<PythonParser> | undefined;

/** The shared Python parser; the first call initialises the wasm runtime (~50 ms). */
export function loadPythonParser(): Promise<PythonParser> {
  loading ??= (async () => {
    await Parser.init({
      locateFile: (name: string) => (name.endsWith('.wasm') ? wasmPath(name, `web-tree-sitter/${name}`) : name),
    });
    const language = await Language.load(wasmPath('tree-sitter-python.wasm', 'tree-sitter-python/tree-sitter-python.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    return { parser, language, callQuery: new Query(language, '(call) @call') };
  })();
  return loading;
}
