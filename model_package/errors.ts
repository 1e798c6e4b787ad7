/**
 * Every error htr-ts raises on purpose: one code, one message template, one HTTP
 * status. `test/model_package/errors.test.ts` fails if a code is missing from README.md.
 *
 * Usage: `throw htrError('HTR_ERR_MISSING_FILE', { file: p })`. Template
 * placeholders `{name}` are filled from the details object, which also travels
 * with the error (`err.details`) so callers can show the file, key or value.
 */

export interface HtrErrorDetails {
  file?: string;
  key?: string;
  value?: unknown;
  allowed?: readonly string[];
  [extra: string]: unknown;
}

interface ErrorSpec {
  readonly template: string;
  readonly status: number;
}

/** The catalogue. Add a code here (and to README.md's Errors table) before using it. */
export const ERROR_CODES = {
  HTR_ERR_CONFIG_UNKNOWN_KEY: { template: 'Unknown config key "{key}"{hint}', status: 400 },
  HTR_ERR_CONFIG_INVALID: { template: 'Invalid value for "{key}": {reason}', status: 400 },
  HTR_ERR_CONFIG_PARSE: { template: 'Cannot parse config file {file}: {reason}', status: 400 },
  HTR_ERR_CONFIG_LINK: { template: 'Inconsistent linked setting "{key}": {reason}', status: 400 },
  HTR_ERR_UNKNOWN_DATA: { template: 'Unknown data class "{value}". Known: {allowedList}', status: 400 },
  HTR_ERR_UNKNOWN_MODEL: { template: 'Unknown model class "{value}". Known: {allowedList}', status: 400 },
  HTR_ERR_CLASS_UNAVAILABLE: { template: 'Class "{value}" is not available in this build: {reason}', status: 400 },
  HTR_ERR_BACKEND_UNAVAILABLE: { template: 'Accelerator "{value}" cannot be used: {reason}', status: 500 },
  HTR_ERR_MISSING_FILE: { template: 'File not found: {file}', status: 404 },
  HTR_ERR_BAD_IMAGE: { template: 'Cannot decode image {file}: {reason}', status: 400 },
  HTR_ERR_IMAGE_TOO_LARGE: { template: 'Image {file} has {pixels} pixels, over the limit of {limit}', status: 413 },
  HTR_ERR_IMAGE_TOO_WIDE: { template: 'Line image {file} is {width} px wide at the model\'s height of {height} px, over its limit of {limit} px (lines are never squeezed: crop it, or use paragraph mode)', status: 413 },
  HTR_ERR_TOO_MANY_LINES: { template: 'Image {file} has {lines} lines, over the limit of {limit} per request (with beam decoding: lines x beam_width)', status: 413 },
  HTR_ERR_PAGE_TIMEOUT: { template: 'Page {file} ran longer than --page-timeout {seconds} s; {how}', status: 504 },
  HTR_ERR_MALFORMED_XML: { template: 'Malformed XML in {file}: {reason}', status: 400 },
  HTR_ERR_BAD_DATA_FILE: { template: 'Bad data file {file}: {reason}', status: 400 },
  HTR_ERR_CHECKSUM_MISMATCH: {
    template: 'Checksum mismatch for {file}: expected {algorithm} {expected}, got {actual}',
    status: 500,
  },
  HTR_ERR_DOWNLOAD_FAILED: { template: 'Download of {file} failed: {reason}', status: 502 },
  HTR_ERR_BAD_CHECKPOINT: { template: 'Cannot load checkpoint {file}: {reason}', status: 500 },
  HTR_ERR_SHAPE_MISMATCH: { template: 'Shape mismatch for {key}: expected {expected}, got {actual}', status: 500 },
  HTR_ERR_BAD_REQUEST: { template: 'Bad request: {reason}', status: 400 },
  HTR_ERR_UNSUPPORTED_MEDIA: { template: 'Unsupported content type "{value}". Allowed: {allowedList}', status: 415 },
  HTR_ERR_PAYLOAD_TOO_LARGE: { template: 'Request body is over the limit of {limit} bytes', status: 413 },
  HTR_ERR_UNAUTHORIZED: { template: 'Missing or wrong API key', status: 401 },
  HTR_ERR_OVERLOADED: { template: 'Server is busy; retry after {retryAfter} s', status: 503 },
  HTR_ERR_NOT_READY: { template: 'Model is not loaded yet', status: 503 },
  HTR_ERR_REQUEST_TIMEOUT: { template: 'Request headers and body were not received within {limit} ms', status: 408 },
  HTR_ERR_HEADERS_TOO_LARGE: { template: 'Request headers are over the size limit', status: 431 },
  HTR_ERR_CLIENT_CLOSED: { template: 'Client closed the connection before the answer; its work was dropped', status: 499 },
  HTR_ERR_TIMEOUT: { template: 'Request took longer than {limit} ms', status: 504 },
  HTR_ERR_RATE_LIMITED: { template: 'Too many requests: {reason}', status: 429 },
  HTR_ERR_ROUTE_NOT_FOUND: { template: 'No such route: {value}', status: 404 },
  HTR_ERR_QUEUE_UNAVAILABLE: { template: 'Cannot reach the Redis queue at {value}: {reason} (set REDIS_URL or --redis_url, or use --local)', status: 503 },
  HTR_ERR_NO_COLLECTIONS: { template: 'No collections to search: {reason}', status: 404 },
  HTR_ERR_INTERNAL: { template: 'Internal error: {reason}', status: 500 },
  HTR_ERR_LOGGER_UNAVAILABLE: { template: 'Logger "{value}" cannot start: {reason}', status: 500 },
} as const satisfies Record<string, ErrorSpec>;

export type HtrErrorCode = keyof typeof ERROR_CODES;

export class HtrError extends Error {
  readonly code: HtrErrorCode;
  readonly statusCode: number;
  readonly details: HtrErrorDetails;

  constructor(code: HtrErrorCode, details: HtrErrorDetails = {}, options?: { cause?: unknown }) {
    super(`${code}: ${formatTemplate(ERROR_CODES[code].template, details)}`, options);
    this.name = 'HtrError';
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
    this.details = details;
  }
}

export function htrError(code: HtrErrorCode, details: HtrErrorDetails = {}, cause?: unknown): HtrError {
  return new HtrError(code, details, cause === undefined ? undefined : { cause });
}

export function isHtrError(err: unknown, code?: HtrErrorCode): err is HtrError {
  return err instanceof HtrError && (code === undefined || err.code === code);
}

function formatTemplate(template: string, details: HtrErrorDetails): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (name === 'allowedList') return (details.allowed ?? []).join(', ');
    if (name === 'hint') return typeof details.hint === 'string' && details.hint ? `. ${details.hint}` : '';
    const v = details[name];
    if (v === undefined) return `<${name}>`;
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}
