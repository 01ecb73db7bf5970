/**
 * How a revision's git provenance reads, in the hover and the tree's tooltip alike:
 * "added in 3f2a1c9 “merge reviews” by Ann Lee, 2 days ago · on main". Pure.
 */
import type { RevisionGitInfo } from './protocol';

/** "just now", "5 minutes ago", "2 days ago", "3 months ago", "2 years ago". */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const units: Array<[number, string]> = [
    [365 * 86400, 'year'],
    [30 * 86400, 'month'],
    [7 * 86400, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

/** One line of provenance; `base` is the base branch's name when git has one. */
export function provenanceText(info: RevisionGitInfo, base: string | undefined, now = Date.now()): string {
  const where = info.addedOnBranch ? 'added on this branch' : info.onBase && base ? `on ${base}` : info.shipped ? 'in a release tag' : undefined;
  if (!info.added) return `not committed yet${where ? ` · ${where}` : ''}`;
  const a = info.added;
  return `added in ${a.commit.slice(0, 7)} “${a.subject}” by ${a.author}, ${relativeTime(a.date, now)}${where ? ` · ${where}` : ''}`;
}
