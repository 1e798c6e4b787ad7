/** Types of shading.js (plain browser JS: the server's demo page loads it unbuilt). */
export interface ShadedChar {
  readonly char: string;
  readonly p: number;
}

/** Fills `out` with one span per character; lower probability = darker amber background. */
export declare function showShaded(out: HTMLElement, chars: readonly ShadedChar[]): void;
