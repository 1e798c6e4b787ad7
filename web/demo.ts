/**
 * The static demo (dist/web/, built by `npm run build:web`): recognizes an uploaded
 * or drawn line with htr-ts running in the page. One file input takes an image or a
 * .ckpt (which replaces the model). Contract for automation: the recognized text is
 * the text of [data-testid="result-text"] once that element has data-state="done".
 */
import { loadRecognizer, type BrowserImage, type TextRecognizer } from '../model_package/api/browser.js';
import { drawingPad } from './drawing_pad.js';
import { showShaded } from './shading.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const DEMO_MODEL = 'models/demo.ckpt';

let recognizer: Promise<TextRecognizer<BrowserImage>> | null = null;
let modelName = 'demo model';

function setStatus(el: HTMLElement, text: string, state: string, error = false): void {
  el.textContent = text;
  el.className = error ? 'error' : 'muted';
  el.dataset.state = state;
}

function useModel(source: string | Blob, name: string): void {
  const status = $('model-status');
  setStatus(status, `Loading ${name}…`, 'loading');
  const started = performance.now();
  const previous = recognizer;
  recognizer = loadRecognizer(source);
  recognizer.then(
    (r) => {
      modelName = name;
      previous?.then((p) => p.dispose(), () => {});
      const { info } = r;
      setStatus(status, `${name}: lines ${info.height} px high, up to ${info.maxWidth} px wide, ${info.vocabulary.length} tokens; backend ${info.backend}; loaded in ${(performance.now() - started).toFixed(0)} ms.`, 'ready');
      const select = $<HTMLSelectElement>('decoding');
      select.textContent = '';
      for (const mode of ['auto', ...info.decodeModes]) select.add(new Option(mode === 'auto' ? `auto (${info.autoDecoding})` : mode, mode));
    },
    (err: unknown) => setStatus(status, `Cannot load ${name}: ${(err as Error).message}`, 'error', true),
  );
}

async function recognize(image: BrowserImage): Promise<void> {
  const status = $('status');
  const out = $('result-text');
  out.dataset.state = 'working';
  setStatus(status, 'Recognizing…', 'working');
  try {
    if (!recognizer) throw new Error('no model loaded');
    const r = await recognizer;
    const started = performance.now();
    const result = await r.recognize(image, { decoding: $<HTMLSelectElement>('decoding').value as 'auto' });
    const ms = performance.now() - started;
    showShaded(out, result.chars);
    out.dataset.state = 'done';
    $('result-meta').textContent = `confidence ${(result.confidence * 100).toFixed(1)}% · ${ms.toFixed(0)} ms in this browser · backend ${r.info.backend} · ${modelName}`;
    setStatus(status, 'Done.', 'done');
  } catch (err) {
    out.textContent = '';
    out.dataset.state = 'error';
    setStatus(status, (err as Error).message || String(err), 'error', true);
  }
}

$<HTMLInputElement>('file').addEventListener('change', (ev) => {
  const file = (ev.target as HTMLInputElement).files?.[0];
  if (!file) return;
  if (/\.(ckpt|safetensors)$/i.test(file.name)) {
    useModel(file, file.name);
    return;
  }
  const preview = $<HTMLImageElement>('preview');
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  void recognize(file);
});

const pad = $<HTMLCanvasElement>('pad');
const drawing = drawingPad(pad);
$('clear').addEventListener('click', drawing.clear);
$('recognize-drawing').addEventListener('click', () => {
  if (drawing.isBlank()) setStatus($('status'), 'Draw something first.', 'idle');
  else void recognize(pad);
});

useModel(DEMO_MODEL, 'demo model');
