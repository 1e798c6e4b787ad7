/**
 * The demo pages' shared panels: web/assemble_page.ts fills each page's includes from web/
 * (the server at startup, `npm run build:web` for the static page).
 */
import { describe, expect, it } from 'vitest';
import { assemblePage } from '../../web/assemble_page.js';

describe('assemblePage', () => {
  const server = assemblePage('serving/public/index.html');
  const web = assemblePage('web/index.html');

  it('leaves no include or slot line in either page', () => {
    for (const page of [server, web]) expect(page).not.toMatch(/<!-- (include|\/include|slot)\b/);
  });

  it('gives both pages the one drawing panel, indented in place', () => {
    for (const page of [server, web]) {
      expect(page).toContain('\n    <section class="panel">\n      <h2>Or draw</h2>\n      <canvas id="pad"');
      expect(page).toContain('<button id="recognize-drawing" type="button">Recognize drawing</button>');
    }
  });

  it('gives both pages the one result panel, with the result-text contract for automation', () => {
    for (const page of [server, web]) expect(page).toContain('<h2>Result</h2>\n      <div id="status" class="muted">No image yet.</div>\n      <div id="result-text" data-testid="result-text" class="result"></div>');
  });

  it("puts a page's own controls in the panel's slot", () => {
    expect(web).toMatch(/<button id="clear" type="button">Clear<\/button>\n {8}<label>Decoding <select id="decoding">.*\n {6}<\/div>\n {4}<\/section>/);
    expect(server).toMatch(/<button id="clear" type="button">Clear<\/button>\n {6}<\/div>\n {4}<\/section>/);
  });
});
