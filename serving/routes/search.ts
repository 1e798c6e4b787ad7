/**
 * Search over `htr_batch` results: `GET /v1/search?q=…&collection=…` returns
 * matching lines with their page, box, text and the spans to highlight;
 * `/v1/pages/:hash/image` and `/v1/pages/:hash/lines/:line/crop` serve the page
 * and a line's crop for the `/search` page. The stores open read-only, per
 * request, so workers can keep writing while the server reads.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { htrError } from '../../model_package/errors.js';
import { MergedStores, dbPaths } from '../../batch/collections/merged_stores.js';
import { matchSpans } from '../../batch/collections/search_query.js';
import { readPage } from '../../batch/collections/page_source.js';
import type { StoredPage } from '../../batch/collections/result_store.js';

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

export interface SearchRoutesOptions {
  /** Comma-separated store paths; without it the routes answer HTR_ERR_NO_COLLECTIONS. */
  readonly db?: string | undefined;
}

const SearchQuery = {
  type: 'object',
  required: ['q'],
  additionalProperties: false,
  properties: {
    q: { type: 'string', minLength: 1, maxLength: 500, description: 'words to find (all must occur; the last may be a prefix)' },
    collection: { type: 'string', description: 'only this collection' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50, description: 'most hits' },
  },
} as const;

const PageParams = {
  type: 'object',
  required: ['hash'],
  properties: { hash: { type: 'string', pattern: '^[0-9a-f]{64}$' }, line: { type: 'integer', minimum: 0 } },
} as const;

const PageQuery = {
  type: 'object',
  required: ['collection'],
  additionalProperties: false,
  properties: { collection: { type: 'string' } },
} as const;

export async function searchRoutes(app: FastifyInstance, options: SearchRoutesOptions): Promise<void> {
  const withStores = <T>(fn: (stores: MergedStores) => T): T => {
    if (!options.db) throw htrError('HTR_ERR_NO_COLLECTIONS', { reason: 'the server was started without --collections_db' });
    const stores = new MergedStores(dbPaths(options.db));
    try {
      return fn(stores);
    } finally {
      stores.close();
    }
  };
  const findPage = (collection: string, hash: string): StoredPage => {
    const page = withStores((s) => s.stores.flatMap((st) => [...st.pages({ collection, pageHash: hash })])[0]);
    if (!page) throw htrError('HTR_ERR_NO_COLLECTIONS', { reason: `page ${hash.slice(0, 12)} is not in collection "${collection}"` });
    return page;
  };
  const pageUrl = (collection: string, hash: string): string => `/v1/pages/${hash}/image?collection=${encodeURIComponent(collection)}`;

  app.get<{ Querystring: { q: string; collection?: string; limit: number } }>(
    '/v1/search',
    { config: { auth: true }, schema: { summary: 'Lines of htr_batch collections that contain the words', querystring: SearchQuery } },
    async (request) => {
      const { q, collection, limit } = request.query;
      const hits = withStores((s) => s.search(q, { ...(collection ? { collection } : {}), limit }));
      return {
        q,
        hits: hits.map((h) => ({
          collection: h.collection,
          file: h.file,
          page_hash: h.pageHash,
          model_id: h.modelId,
          line: h.line,
          box: h.box,
          text: h.text,
          confidence: h.confidence,
          highlights: matchSpans(h.text, q),
          page_url: pageUrl(h.collection, h.pageHash),
          crop_url: `/v1/pages/${h.pageHash}/lines/${h.line}/crop?collection=${encodeURIComponent(h.collection)}`,
        })),
      };
    },
  );

  app.get<{ Params: { hash: string }; Querystring: { collection: string } }>(
    '/v1/pages/:hash/image',
    { config: { auth: true }, schema: { summary: 'A stored page image', params: PageParams, querystring: PageQuery } },
    async (request, reply) => {
      const page = findPage(request.query.collection, request.params.hash);
      const bytes = await readPage(page.file);
      const meta = await sharp(bytes).metadata();
      return reply.type(`image/${meta.format === 'jpeg' ? 'jpeg' : meta.format ?? 'png'}`).send(bytes);
    },
  );

  app.get<{ Params: { hash: string; line: number }; Querystring: { collection: string } }>(
    '/v1/pages/:hash/lines/:line/crop',
    { config: { auth: true }, schema: { summary: "A line's crop from its page, as PNG", params: PageParams, querystring: PageQuery } },
    async (request, reply) => {
      const page = findPage(request.query.collection, request.params.hash);
      const line = page.lines[request.params.line];
      if (!line) throw htrError('HTR_ERR_NO_COLLECTIONS', { reason: `page ${request.params.hash.slice(0, 12)} has no line ${request.params.line}` });
      const { left, top, right, bottom } = line.box;
      const png = await sharp(await readPage(page.file)).extract({ left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) }).png().toBuffer();
      return reply.type('image/png').send(png);
    },
  );

  const html = await readFile(`${PUBLIC_DIR}search.html`);
  const js = await readFile(`${PUBLIC_DIR}search.js`);
  app.get('/search', { schema: { hide: true } }, async (_r, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html));
  app.get('/search.js', { schema: { hide: true } }, async (_r, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(js));
}
