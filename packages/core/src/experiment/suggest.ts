/** Edit distance (insertions, deletions, substitutions; case-insensitive) between two names. */
export function levenshtein(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, j) => j);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const substitution = previous[j - 1]! + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length]!;
}

/**
 * The known name nearest to `name`, when it is near enough to be a plausible typo: at most a third of the
 * longer name's length (at least 1 edit, so "cop" finds "coop"), or when one name contains the other.
 */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = levenshtein(name, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(name.length, best.candidate.length) / 3));
  const contains =
    name.length >= 3 && (best.candidate.toLowerCase().includes(name.toLowerCase()) ||
      name.toLowerCase().includes(best.candidate.toLowerCase()));
  return best.distance <= limit || contains ? best.candidate : undefined;
}
