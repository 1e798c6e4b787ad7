// Demo client: sends an image to POST /v1/predict and shows the text with
// per-character confidence shading. A browser module with no build step; the drawing pad
// and the shading are the static demo's (web/, served at /drawing_pad.js and /shading.js).
// For automation, as on the static demo: the text is in [data-testid="result-text"] (its
// data-text) once that element has data-state="done".
import { drawingPad } from '/drawing_pad.js';
import { showShaded } from '/shading.js';

const $ = (id) => document.getElementById(id);
const pad = $('pad');
const drawing = drawingPad(pad);
$('clear').addEventListener('click', drawing.clear);

function query() {
  const q = new URLSearchParams({ decoding: $('decoding').value, mode: $('mode').value });
  if (['beam', 'ctc_beam', 'joint'].includes($('decoding').value)) q.set('beam_width', $('beam-width').value);
  return q.toString();
}

// "In this browser": the library's browser build (/web/htr.js, from npm run build:web)
// runs the served model's weights (GET /v1/model/file) in the page.
let local = null;
const where = () => document.querySelector('input[name="where"]:checked').value;
fetch('/web/htr.js', { method: 'HEAD' }).then((res) => {
  if (res.ok) return;
  $('where-browser').disabled = true;
  $('where-note').textContent = '(in-browser mode needs `npm run build:web` before the server starts)';
});

function apiHeaders() {
  const key = $('api-key').value;
  return key ? { 'x-api-key': key } : {};
}

function localRecognizer() {
  if (!local) {
    local = (async () => {
      const { loadRecognizer } = await import('/web/htr.js');
      const res = await fetch('/v1/model/file', { headers: apiHeaders() });
      if (!res.ok) throw new Error(`cannot fetch the model (HTTP ${res.status})`);
      return loadRecognizer(await res.arrayBuffer(), { wasmPath: '/web/' });
    })();
    local.catch(() => { local = null; });
  }
  return local;
}

async function recognizeHere(image) {
  const r = await localRecognizer();
  const started = performance.now();
  const decoding = $('decoding').value;
  const result = await r.recognize(image, { decoding, beamWidth: Number($('beam-width').value) || 5 });
  return { ...result, ms: performance.now() - started, backend: r.info.backend };
}

function showText(result) {
  const out = $('result-text');
  showShaded(out, result.chars);
  // The plain text as well, for copying and for tests.
  out.dataset.text = result.text;
  out.dataset.state = 'done';
  $('result-meta').textContent = result.backend
    ? `confidence ${(result.confidence * 100).toFixed(1)}% · ${result.ms.toFixed(1)} ms in this browser · backend ${result.backend}`
    : `confidence ${(result.confidence * 100).toFixed(1)}% · ${result.latency_ms.toFixed(1)} ms on the server · model ${result.model}`;
}

async function send(blob) {
  $('result-text').dataset.state = 'working';
  $('status').textContent = 'Recognizing…';
  $('status').className = 'muted';
  $('status').dataset.state = 'working';
  const headers = { 'content-type': blob.type || 'application/octet-stream', ...apiHeaders() };
  const started = performance.now();
  try {
    if (where() === 'browser') {
      showText(await recognizeHere(blob));
      $('status').textContent = `Done in ${(performance.now() - started).toFixed(0)} ms in this browser (nothing uploaded).`;
      $('status').dataset.state = 'done';
      return;
    }
    const res = await fetch(`/v1/predict?${query()}`, { method: 'POST', headers, body: blob });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
    showText(body);
    $('status').textContent = `Done in ${(performance.now() - started).toFixed(0)} ms round trip.`;
    $('status').dataset.state = 'done';
  } catch (err) {
    $('status').textContent = String(err.message || err);
    $('status').className = 'error';
    $('status').dataset.state = 'error';
    $('result-text').dataset.state = 'error';
  }
}

$('file').addEventListener('change', () => {
  const file = $('file').files[0];
  if (!file) return;
  const preview = $('preview');
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  send(file);
});

$('recognize-drawing').addEventListener('click', () => {
  if (drawing.isBlank()) {
    $('status').textContent = 'Draw something first.';
    return;
  }
  pad.toBlob((blob) => blob && send(blob), 'image/png');
});
