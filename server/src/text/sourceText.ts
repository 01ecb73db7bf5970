/**
 * Text primitives every layer shares: LSP positions and ranges, the index from UTF-16 offsets to
 * positions, and the span of one Python string literal token. No Python, SQL or Alembic here.
 */

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** Maps UTF-16 offsets of one text to LSP positions; line starts are computed once, on first use. */
export class LineIndex {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}

  private lineStarts(): number[] {
    if (!this.starts) {
      const starts = [0];
      let i = this.text.indexOf('\n');
      while (i >= 0) {
        starts.push(i + 1);
        i = this.text.indexOf('\n', i + 1);
      }
      this.starts = starts;
    }
    return this.starts;
  }

  positionAt(offset: number): Position {
    const starts = this.lineStarts();
    let lo = 0,
      hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - starts[lo] };
  }

  offsetAt(pos: Position): number {
    const starts = this.lineStarts();
    if (pos.line >= starts.length) return this.text.length;
    return Math.min(starts[pos.line] + pos.character, this.text.length);
  }

  range(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }
}

/** A Python string literal token: `[prefix]quote…quote`. */
export interface StringPiece {
  start: number;
  end: number;
  prefix: string;
  quoteLen: number;
}
