/**
 * Google Drive downloads with the official v3 client (@googleapis/drive, the
 * Drive-only slice of `googleapis`). A file is streamed to a temporary file,
 * checked against Drive's md5Checksum and the metadata's sha256, then renamed into
 * place, so an interrupted or corrupt download never leaves a file under its name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, readFile, rename, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { drive as makeDrive, type drive_v3 } from '@googleapis/drive';
import { JWT, OAuth2Client } from 'google-auth-library';
import { htrError, isHtrError } from '../../errors.js';
import type { RawFileSpec } from './raw_file_spec.js';

export const DRIVE_SCOPE = 'https://www.googleapis.com/auth/drive.readonly';

export interface DriveOptions {
  /** Override the API root (tests point it at a fake Drive on 127.0.0.1). */
  rootUrl?: string;
  /** API key for files shared "anyone with the link"; default $GOOGLE_API_KEY. */
  apiKey?: string;
  /** Service-account key JSON; default $GOOGLE_APPLICATION_CREDENTIALS. */
  serviceAccountKeyFile?: string;
  /** OAuth client secrets ("Desktop app") for the first-run browser flow. */
  credentialsFile?: string;
  /** Saved OAuth user token, written by the first-run flow. */
  tokenFile?: string;
  /** Allow the first-run browser flow; default: stdin is a terminal. */
  interactive?: boolean;
  /** OAuth token endpoint override (tests use a fake; default Google's). */
  oauthTokenUrl?: string;
  /** Retries of a failed request (not of a checksum mismatch); default 3. */
  retries?: number;
  /** Per-request timeout in ms; default 10 minutes. */
  timeoutMs?: number;
  log?: (message: string) => void;
}

type Auth = string | OAuth2Client | JWT | undefined;

/** Builds a Drive v3 client from the first credential source that is configured. */
export async function createDriveClient(opts: DriveOptions = {}): Promise<drive_v3.Drive> {
  const auth = await resolveAuth(opts);
  return makeDrive({
    version: 'v3',
    // googleapis-common types its own copy of google-auth-library; the instances are compatible.
    auth: auth as never,
    ...(opts.rootUrl !== undefined ? { rootUrl: ensureSlash(opts.rootUrl) } : {}),
    retryConfig: { retry: opts.retries ?? 3 },
    timeout: opts.timeoutMs ?? 600_000,
  });
}

function ensureSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function resolveAuth(opts: DriveOptions): Promise<Auth> {
  const apiKey = opts.apiKey ?? process.env.GOOGLE_API_KEY;
  if (apiKey) return apiKey; // googleapis-common sends a string auth as ?key=
  const keyFile = opts.serviceAccountKeyFile ?? process.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (keyFile) return serviceAccountAuth(keyFile);
  const tokenFile = opts.tokenFile ?? 'token.json';
  const credentialsFile = opts.credentialsFile ?? 'google_drive_credentials.json';
  const endpoints = opts.oauthTokenUrl ? { endpoints: { oauth2TokenUrl: opts.oauthTokenUrl } } : {};
  if (await exists(tokenFile)) return userTokenAuth(tokenFile, credentialsFile, endpoints);
  if (await exists(credentialsFile)) {
    const interactive = opts.interactive ?? Boolean(process.stdin.isTTY);
    if (!interactive) {
      throw htrError('HTR_ERR_DOWNLOAD_FAILED', {
        file: tokenFile,
        reason: `no saved token; run once in a terminal to authorize with ${credentialsFile}`,
      });
    }
    return firstRunFlow(credentialsFile, tokenFile, opts.log ?? ((m) => process.stderr.write(`${m}\n`)), endpoints);
  }
  throw htrError('HTR_ERR_DOWNLOAD_FAILED', {
    file: credentialsFile,
    reason:
      'no Google Drive credentials: set GOOGLE_API_KEY (public files), GOOGLE_APPLICATION_CREDENTIALS (service account), ' +
      `or put OAuth client secrets in ${credentialsFile}; or point data.raw_dir at local copies`,
  });
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file, reason: err instanceof Error ? err.message : String(err) }, err);
  }
}

/**
 * Service account: a self-signed JWT carrying the Drive scope, so no token
 * endpoint round trip is needed (google-auth-library's useJWTAccessWithScope).
 */
async function serviceAccountAuth(keyFile: string): Promise<JWT> {
  const key = await readJson(keyFile);
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file: keyFile, reason: 'not a service-account key (client_email/private_key missing)' });
  }
  const jwt = new JWT({
    email: key.client_email,
    key: key.private_key,
    ...(typeof key.private_key_id === 'string' ? { keyId: key.private_key_id } : {}),
    scopes: [DRIVE_SCOPE],
  });
  jwt.useJWTAccessWithScope = true;
  return jwt;
}

interface ClientSecrets {
  client_id: string;
  client_secret?: string;
}

async function readClientSecrets(file: string): Promise<ClientSecrets | undefined> {
  if (!(await exists(file))) return undefined;
  const json = await readJson(file);
  const inner = (json.installed ?? json.web ?? json) as Record<string, unknown>;
  if (typeof inner.client_id !== 'string') {
    throw htrError('HTR_ERR_BAD_DATA_FILE', { file, reason: 'no client_id (expected an OAuth "Desktop app" client JSON)' });
  }
  return { client_id: inner.client_id, ...(typeof inner.client_secret === 'string' ? { client_secret: inner.client_secret } : {}) };
}

/**
 * A saved user token. Accepts both the format google-auth-library writes
 * (access_token, expiry_date) and the one Python's google-auth writes
 * (token, expiry, client_id), so a seed-era token.json keeps working.
 */
type EndpointOpts = { endpoints?: { oauth2TokenUrl: string } };

async function userTokenAuth(tokenFile: string, credentialsFile: string, extra: EndpointOpts): Promise<OAuth2Client> {
  const tok = await readJson(tokenFile);
  const secrets = (await readClientSecrets(credentialsFile)) ??
    (typeof tok.client_id === 'string'
      ? { client_id: tok.client_id, ...(typeof tok.client_secret === 'string' ? { client_secret: tok.client_secret } : {}) }
      : undefined);
  const client = new OAuth2Client({
    ...extra,
    ...(secrets ? { clientId: secrets.client_id } : {}),
    ...(secrets?.client_secret ? { clientSecret: secrets.client_secret } : {}),
  });
  const access = typeof tok.access_token === 'string' ? tok.access_token : typeof tok.token === 'string' ? tok.token : undefined;
  const expiry = typeof tok.expiry_date === 'number' ? tok.expiry_date : typeof tok.expiry === 'string' ? Date.parse(tok.expiry.endsWith('Z') ? tok.expiry : `${tok.expiry}Z`) : undefined;
  client.setCredentials({
    ...(access ? { access_token: access } : {}),
    ...(typeof tok.refresh_token === 'string' ? { refresh_token: tok.refresh_token } : {}),
    ...(expiry !== undefined && Number.isFinite(expiry) ? { expiry_date: expiry } : {}),
    token_type: 'Bearer',
  });
  // Keep refreshed tokens so the next run does not need the browser again.
  client.on('tokens', (t) => {
    void saveToken(tokenFile, { ...client.credentials, ...t }).catch(() => undefined);
  });
  return client;
}

async function saveToken(tokenFile: string, tokens: object): Promise<void> {
  const tmp = `${tokenFile}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(tokens, null, 2), { mode: 0o600 });
  await rename(tmp, tokenFile);
}

/** Installed-app flow: a loopback redirect on 127.0.0.1 receives the code once. */
async function firstRunFlow(credentialsFile: string, tokenFile: string, log: (m: string) => void, extra: EndpointOpts): Promise<OAuth2Client> {
  const secrets = await readClientSecrets(credentialsFile);
  if (!secrets) throw htrError('HTR_ERR_MISSING_FILE', { file: credentialsFile });
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const redirectUri = `http://127.0.0.1:${port}`;
  const client = new OAuth2Client({
    ...extra,
    clientId: secrets.client_id,
    ...(secrets.client_secret ? { clientSecret: secrets.client_secret } : {}),
    redirectUri,
  });
  const url = client.generateAuthUrl({ access_type: 'offline', scope: [DRIVE_SCOPE], prompt: 'consent' });
  log(`Authorize htr-ts to read your Google Drive: open\n  ${url}`);
  try {
    const code = await new Promise<string>((resolve, reject) => {
      server.on('request', (req, res) => {
        const q = new URL(req.url ?? '/', redirectUri).searchParams;
        const c = q.get('code');
        res.end(c ? 'htr-ts is authorized; you can close this tab.' : `Authorization failed: ${q.get('error') ?? 'no code'}`);
        if (c) resolve(c);
        else reject(htrError('HTR_ERR_DOWNLOAD_FAILED', { file: credentialsFile, reason: q.get('error') ?? 'authorization denied' }));
      });
    });
    const { tokens } = await client.getToken(code);
    client.setCredentials(tokens);
    await saveToken(tokenFile, tokens);
    log(`Saved Google Drive token to ${tokenFile}`);
    return client;
  } finally {
    server.close();
  }
}

/**
 * Downloads `spec.drive_id` to `dest`: temp file, md5 (Drive) + sha256 (metadata)
 * checks, rename. Any failure removes the temp file.
 */
export async function downloadDriveFile(client: drive_v3.Drive, spec: RawFileSpec, dest: string, opts: DriveOptions = {}): Promise<void> {
  const fileId = spec.drive_id;
  if (!fileId) throw htrError('HTR_ERR_DOWNLOAD_FAILED', { file: spec.name, reason: 'no drive_id in metadata' });
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.${randomBytes(6).toString('hex')}.part`);
  try {
    const meta = await client.files.get({ fileId, fields: 'id,name,size,md5Checksum', supportsAllDrives: true });
    const driveMd5 = meta.data.md5Checksum ?? undefined;
    const res = await client.files.get({ fileId, alt: 'media', supportsAllDrives: true }, { responseType: 'stream' });
    const md5 = createHash('md5');
    const sha = createHash('sha256');
    let bytes = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        md5.update(chunk);
        sha.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    await pipeline(res.data as NodeJS.ReadableStream, hasher, createWriteStream(tmp, { mode: 0o644 }));
    const expectedSize = meta.data.size != null ? Number(meta.data.size) : undefined;
    if (expectedSize !== undefined && bytes !== expectedSize) {
      throw htrError('HTR_ERR_DOWNLOAD_FAILED', { file: spec.name, reason: `got ${bytes} of ${expectedSize} bytes` });
    }
    const gotMd5 = md5.digest('hex');
    const gotSha = sha.digest('hex');
    for (const expected of [driveMd5, spec.md5]) {
      if (expected && expected.toLowerCase() !== gotMd5) {
        throw htrError('HTR_ERR_CHECKSUM_MISMATCH', { file: spec.name, algorithm: 'md5', expected: expected.toLowerCase(), actual: gotMd5 });
      }
    }
    if (gotSha !== spec.sha256) {
      throw htrError('HTR_ERR_CHECKSUM_MISMATCH', { file: spec.name, algorithm: 'sha256', expected: spec.sha256, actual: gotSha });
    }
    await rename(tmp, dest);
    opts.log?.(`Downloaded ${spec.name} (${bytes} bytes) from Google Drive`);
  } catch (err) {
    await rm(tmp, { force: true });
    if (isHtrError(err)) throw err;
    throw htrError('HTR_ERR_DOWNLOAD_FAILED', { file: spec.name, reason: describeDriveError(err) }, err);
  }
}

function describeDriveError(err: unknown): string {
  const e = err as { status?: number; response?: { status?: number }; message?: string; code?: string };
  const status = e.status ?? e.response?.status;
  if (status === 404) return 'HTTP 404: no such file id, or it is not shared with these credentials';
  if (status === 401 || status === 403) return `HTTP ${status}: access denied (check the credentials and sharing)`;
  if (status) return `HTTP ${status}: ${e.message ?? ''}`.trim();
  return e.message ?? e.code ?? String(err);
}
