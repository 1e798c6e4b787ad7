/** Types of drawing_pad.js (plain browser JS: the server's demo page loads it unbuilt). */
export interface DrawingPad {
  /** Paints the pad white. */
  clear(): void;
  /** Nothing drawn since the last clear. */
  isBlank(): boolean;
}

/** Lets the user write on `pad` with mouse, pen or touch, in dark round strokes on white. */
export declare function drawingPad(pad: HTMLCanvasElement): DrawingPad;
