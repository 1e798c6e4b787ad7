/** `data:image/png;base64,...` -> bytes, the fsdl Lambda request format. */
import { htrError } from '../model_package/errors.js';

const DATA_URL = /^data:(image\/[a-z0-9.+-]+)?(;[a-z0-9-]+=[^;,]*)*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function parseDataUrl(value: unknown): Buffer {
  if (typeof value !== 'string' || value.length === 0) {
    throw htrError('HTR_ERR_BAD_REQUEST', { reason: 'JSON field "image" must be a data URL like "data:image/png;base64,..."', key: 'image' });
  }
  const head = DATA_URL.exec(value);
  // Also accept bare base64 (fsdl's Lambda accepted both).
  const payload = (head ? value.slice(head[0].length) : value).replace(/\s+/g, '');
  if (!head && value.startsWith('data:')) {
    throw htrError('HTR_ERR_BAD_REQUEST', { reason: 'data URL must be base64-encoded image data ("data:image/png;base64,...")', key: 'image' });
  }
  if (payload.length === 0 || payload.length % 4 === 1 || !BASE64.test(payload)) {
    throw htrError('HTR_ERR_BAD_REQUEST', { reason: 'field "image" is not valid base64', key: 'image' });
  }
  return Buffer.from(payload, 'base64');
}
