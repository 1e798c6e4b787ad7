/** CTC labels from the padded rows the data modules produce (Tokenizer.encode). */
import { END_INDEX, SPECIAL_TOKENS } from '../../core/tokenizer.js';

/**
 * `ids` [rows, length] row-major, each row `<S> text <E> <P>...`: per row the
 * character ids before the first <E>, with special tokens dropped.
 */
export function ctcLabelsFromEncoded(ids: ArrayLike<number>, rows: number, length: number): Int32Array[] {
  if (ids.length !== rows * length) throw new RangeError(`${ids.length} ids for ${rows} rows of ${length}`);
  const out: Int32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const label: number[] = [];
    for (let i = r * length; i < (r + 1) * length; i++) {
      const id = ids[i] as number;
      if (id === END_INDEX) break;
      if (id >= SPECIAL_TOKENS.length) label.push(id);
    }
    out.push(Int32Array.from(label));
  }
  return out;
}
