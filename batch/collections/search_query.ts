/**
 * User text -> FTS5 query: every word must occur (a prefix match for the last,
 * so "Manch" finds "Manchester" while typing). Words are quoted, so FTS5 syntax
 * in the input ("AND", "*", quotes) is taken literally.
 */
export function searchTerms(q: string): string[] {
  return q.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function ftsQuery(q: string): string {
  const terms = searchTerms(q);
  return terms.map((t, i) => `"${t}"${i === terms.length - 1 ? '*' : ''}`).join(' ');
}

/** [start, end) spans of `text` that match a search term (case- and accent-insensitive), for highlighting. */
export function matchSpans(text: string, q: string): Array<[number, number]> {
  const fold = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const spans: Array<[number, number]> = [];
  // Fold char by char so offsets stay those of the original text.
  const folded: string[] = [...text].map((ch) => fold(ch));
  const flat = folded.join('');
  const offsets: number[] = [];
  let pos = 0;
  for (const [i, f] of folded.entries()) {
    for (let k = 0; k < f.length; k++) offsets.push(pos);
    pos += [...text][i]?.length ?? 1;
  }
  offsets.push(text.length);
  for (const term of searchTerms(q).map(fold)) {
    for (let at = flat.indexOf(term); at !== -1; at = flat.indexOf(term, at + term.length)) {
      spans.push([offsets[at] as number, offsets[at + term.length] as number]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  return spans.filter((s, i) => i === 0 || s[0] >= (spans[i - 1] as [number, number])[1]);
}
