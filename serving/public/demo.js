// Demo client: sends an image to POST /v1/predict and shows the text with
// per-character confidence shading. Plain browser JS, no dependencies.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const pad = $('pad');
  const ctx = pad.getContext('2d');
  let drawing = false;
  let dirty = false;

  function clearPad() {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, pad.width, pad.height);
    dirty = false;
  }
  clearPad();

  function point(ev) {
    const r = pad.getBoundingClientRect();
    return { x: ((ev.clientX - r.left) * pad.width) / r.width, y: ((ev.clientY - r.top) * pad.height) / r.height };
  }
  // Pointer events cover mouse, pen and touch.
  pad.addEventListener('pointerdown', (ev) => {
    drawing = true;
    dirty = true;
    pad.setPointerCapture(ev.pointerId);
    const p = point(ev);
    ctx.beginPath();
    ctx.moveTo(p.x, p.y);
  });
  pad.addEventListener('pointermove', (ev) => {
    if (!drawing) return;
    const p = point(ev);
    ctx.lineWidth = 6;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = '#111';
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
  });
  const stop = () => { drawing = false; };
  pad.addEventListener('pointerup', stop);
  pad.addEventListener('pointercancel', stop);
  $('clear').addEventListener('click', clearPad);

  function query() {
    const q = new URLSearchParams({ decoding: $('decoding').value, mode: $('mode').value });
    if ($('decoding').value === 'beam') q.set('beam_width', $('beam-width').value);
    return q.toString();
  }

  function showText(result) {
    const out = $('result-text');
    out.textContent = '';
    for (const { char, p } of result.chars) {
      const span = document.createElement('span');
      span.textContent = char;
      // Low probability -> darker amber background.
      const alpha = Math.max(0, Math.min(1, 1 - p)) * 0.8;
      span.style.backgroundColor = `rgba(255, 140, 0, ${alpha.toFixed(3)})`;
      span.title = `${JSON.stringify(char)} p=${p.toFixed(3)}`;
      out.appendChild(span);
    }
    // The plain text as well, for copying and for tests.
    out.dataset.text = result.text;
    $('result-meta').textContent =
      `confidence ${(result.confidence * 100).toFixed(1)}% · ${result.latency_ms.toFixed(1)} ms on the server · model ${result.model}`;
  }

  async function send(blob) {
    $('status').textContent = 'Recognizing…';
    $('status').className = 'muted';
    const headers = { 'content-type': blob.type || 'application/octet-stream' };
    const key = $('api-key').value;
    if (key) headers['x-api-key'] = key;
    const started = performance.now();
    try {
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
    if (!dirty) {
      $('status').textContent = 'Draw something first.';
      return;
    }
    pad.toBlob((blob) => blob && send(blob), 'image/png');
  });
})();
