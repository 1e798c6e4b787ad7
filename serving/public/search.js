// The /search page: asks /v1/search and lists each matching line with its crop,
// the match highlighted, and a link to the page image. Text is inserted with
// textContent only, so recognized text can never inject markup.
'use strict';

const form = document.getElementById('search-form');
const status = document.getElementById('status');
const hitsBox = document.getElementById('hits');

function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

function highlighted(text, spans) {
  const frag = document.createDocumentFragment();
  let at = 0;
  for (const [a, b] of spans) {
    if (a > at) frag.append(text.slice(at, a));
    const mark = document.createElement('mark');
    mark.textContent = text.slice(a, b);
    frag.append(mark);
    at = b;
  }
  if (at < text.length) frag.append(text.slice(at));
  return frag;
}

function renderHit(hit) {
  const item = document.createElement('article');
  item.className = 'hit';
  const img = document.createElement('img');
  img.src = hit.crop_url;
  img.alt = `line ${hit.line + 1} of ${hit.file}`;
  const text = document.createElement('div');
  text.className = 'text';
  text.append(highlighted(hit.text, hit.highlights));
  const where = document.createElement('div');
  where.className = 'where';
  const link = document.createElement('a');
  link.href = hit.page_url;
  link.textContent = hit.file;
  where.append(`${hit.collection} · `, link, ` · line ${hit.line + 1} · confidence ${(hit.confidence * 100).toFixed(0)}%`);
  item.append(img, text, where);
  return item;
}

async function search(q, collection) {
  setStatus('busy', 'Searching…');
  hitsBox.replaceChildren();
  const params = new URLSearchParams({ q });
  if (collection) params.set('collection', collection);
  const res = await fetch(`/v1/search?${params}`);
  const body = await res.json();
  if (!res.ok) {
    setStatus('error', body.message || `Error ${res.status}`);
    return;
  }
  hitsBox.replaceChildren(...body.hits.map(renderHit));
  setStatus('done', body.hits.length ? `${body.hits.length} line${body.hits.length === 1 ? '' : 's'} found` : 'No line matches.');
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const q = document.getElementById('q').value.trim();
  const collection = document.getElementById('collection').value.trim();
  history.replaceState(null, '', `?${new URLSearchParams({ q, ...(collection ? { collection } : {}) })}`);
  if (q) search(q, collection).catch((err) => setStatus('error', String(err)));
});

// A shared link (/search?q=…) searches at once.
const initial = new URLSearchParams(location.search);
if (initial.get('q')) {
  document.getElementById('q').value = initial.get('q');
  document.getElementById('collection').value = initial.get('collection') || '';
  form.requestSubmit();
}
