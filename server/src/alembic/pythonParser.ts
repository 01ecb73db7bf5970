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
  /**
   * Every node the full parse converts (calls, assignments, imports, comments), in one query
   * compiled once: one traversal inside the wasm module instead of one per kind.
   */
  nodeQuery: Query;
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
    const nodeQuery = new Query(
      language,
      '(call) @call (assignment) @assignment (import_statement) @import (import_from_statement) @import (comment) @comment',
    );
    return { parser, language, nodeQuery };
  })();
  return loading;
}
