import { createHash, generateKeyPairSync, verify as verifySig } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDriveClient, downloadDriveFile } from '../../../../model_package/data/sources/drive.js';
import { isHtrError } from '../../../../model_package/errors.js';
import { startFakeDrive, type FakeDrive } from '../../../fixtures/drive/fake_drive_server.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const content = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) % 251));

let drive: FakeDrive;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'htr-drive-'));
  drive = await startFakeDrive({
    good: { content },
    badmd5: { content, md5: '0'.repeat(32) },
    dropped: { content, dropAfterBytes: 50_000 },
  });
});
afterEach(async () => drive.close());

const client = () => createDriveClient({ rootUrl: drive.rootUrl, apiKey: 'test-key', retries: 0 });

describe('downloadDriveFile against a fake Drive v3 server', () => {
  it('streams the file, verifies md5 + sha256 and renames into place', async () => {
    const dest = path.join(dir, 'iam.zip');
    await downloadDriveFile(await client(), { name: 'iam.zip', drive_id: 'good', sha256: sha256(content) }, dest);
    expect(sha256(await readFile(dest))).toBe(sha256(content));
    expect(await readdir(dir)).toEqual(['iam.zip']);
    const media = drive.requests.find((r) => r.query.get('alt') === 'media');
    expect(media?.path).toBe('/drive/v3/files/good');
    expect(media?.query.get('key')).toBe('test-key');
  });

  it('404 gives HTR_ERR_DOWNLOAD_FAILED naming the file and leaves nothing behind', async () => {
    const dest = path.join(dir, 'x.zip');
    const err = await downloadDriveFile(await client(), { name: 'x.zip', drive_id: 'nope', sha256: sha256(content) }, dest).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_DOWNLOAD_FAILED')).toBe(true);
    expect(String((err as Error).message)).toMatch(/x\.zip.*404/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a wrong sha256 deletes the temp file and names both hashes', async () => {
    const dest = path.join(dir, 'iam.zip');
    const wrong = 'a'.repeat(64);
    const err = await downloadDriveFile(await client(), { name: 'iam.zip', drive_id: 'good', sha256: wrong }, dest).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_CHECKSUM_MISMATCH')).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toContain('iam.zip');
    expect(msg).toContain(wrong);
    expect(msg).toContain(sha256(content));
    expect(await readdir(dir)).toEqual([]);
  });

  it("a wrong Drive md5Checksum is caught too", async () => {
    const err = await downloadDriveFile(await client(), { name: 'm.zip', drive_id: 'badmd5', sha256: sha256(content) }, path.join(dir, 'm.zip')).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_CHECKSUM_MISMATCH')).toBe(true);
    expect((err as Error).message).toMatch(/md5 0{32}/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a connection dropped mid-stream leaves no partial file', async () => {
    const dest = path.join(dir, 'd.zip');
    const err = await downloadDriveFile(await client(), { name: 'd.zip', drive_id: 'dropped', sha256: sha256(content) }, dest).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_DOWNLOAD_FAILED')).toBe(true);
    expect((err as Error).message).toContain('d.zip');
    expect(await readdir(dir)).toEqual([]);
  });

  it('sends a saved OAuth user token (Python google-auth token.json format) as a Bearer header', async () => {
    const tokenFile = path.join(dir, 'token.json');
    const expiry = new Date(Date.now() + 3600_000).toISOString().replace('Z', '');
    await writeFile(tokenFile, JSON.stringify({ token: 'ya29.fake', refresh_token: 'r', client_id: 'cid', client_secret: 's', expiry }));
    const c = await createDriveClient({ rootUrl: drive.rootUrl, tokenFile, credentialsFile: path.join(dir, 'none.json'), retries: 0 });
    await downloadDriveFile(c, { name: 'a', drive_id: 'good', sha256: sha256(content) }, path.join(dir, 'a'));
    expect(drive.requests.at(-1)?.authorization).toBe('Bearer ya29.fake');
  });

  it('first run: prints the consent URL, receives the code on 127.0.0.1, saves token.json, then uses it', async () => {
    const credentialsFile = path.join(dir, 'google_drive_credentials.json');
    const tokenFile = path.join(dir, 'token.json');
    await writeFile(credentialsFile, JSON.stringify({ installed: { client_id: 'cid.apps.googleusercontent.com', client_secret: 'sec' } }));
    let printed = '';
    const pending = createDriveClient({
      rootUrl: drive.rootUrl, credentialsFile, tokenFile, interactive: true, retries: 0,
      oauthTokenUrl: `${drive.rootUrl}token`, log: (m) => { printed += m; },
    });
    for (let i = 0; i < 100 && !printed.includes('https://'); i++) await new Promise((r) => setTimeout(r, 10));
    const consent = new URL(/https:\/\/\S+/.exec(printed)?.[0] ?? '');
    expect(consent.searchParams.get('scope')).toBe('https://www.googleapis.com/auth/drive.readonly');
    expect(consent.searchParams.get('access_type')).toBe('offline');
    const redirect = consent.searchParams.get('redirect_uri') ?? '';
    expect(redirect).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(`${redirect}/?code=good-code`);
    expect(await page.text()).toMatch(/authorized/);
    const c = await pending;
    expect(drive.tokenRequests[0]?.get('code')).toBe('good-code');
    expect(JSON.parse(await readFile(tokenFile, 'utf8'))).toMatchObject({ access_token: 'ya29.new', refresh_token: 'r1' });
    await downloadDriveFile(c, { name: 'o', drive_id: 'good', sha256: sha256(content) }, path.join(dir, 'o'));
    expect(drive.requests.at(-1)?.authorization).toBe('Bearer ya29.new');
  });

  it('refreshes an expired saved token and writes the new one back', async () => {
    const tokenFile = path.join(dir, 'token.json');
    await writeFile(tokenFile, JSON.stringify({ access_token: 'ya29.old', refresh_token: 'r1', expiry_date: Date.now() - 60_000, client_id: 'cid', client_secret: 's' }));
    const c = await createDriveClient({ rootUrl: drive.rootUrl, tokenFile, credentialsFile: path.join(dir, 'none.json'), oauthTokenUrl: `${drive.rootUrl}token`, retries: 0 });
    await downloadDriveFile(c, { name: 'r', drive_id: 'good', sha256: sha256(content) }, path.join(dir, 'r'));
    expect(drive.requests.at(-1)?.authorization).toBe('Bearer ya29.refreshed');
    for (let i = 0; i < 50 && !(await readFile(tokenFile, 'utf8')).includes('refreshed'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(JSON.parse(await readFile(tokenFile, 'utf8')).access_token).toBe('ya29.refreshed');
  });

  it('signs a self-signed JWT from a service-account key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = path.join(dir, 'sa.json');
    await writeFile(keyFile, JSON.stringify({
      type: 'service_account', client_email: 'htr@example.iam.gserviceaccount.com',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }), private_key_id: 'kid1',
    }));
    const c = await createDriveClient({ rootUrl: drive.rootUrl, serviceAccountKeyFile: keyFile, retries: 0 });
    await downloadDriveFile(c, { name: 'b', drive_id: 'good', sha256: sha256(content) }, path.join(dir, 'b'));
    const auth = drive.requests.at(-1)?.authorization ?? '';
    const [h, p, s] = auth.replace(/^Bearer /, '').split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { iss: string; scope: string };
    expect(claims.iss).toBe('htr@example.iam.gserviceaccount.com');
    expect(claims.scope).toContain('drive.readonly');
    expect(verifySig('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))).toBe(true);
  });

  it('without any credentials says how to provide them', async () => {
    const saved = { k: process.env.GOOGLE_API_KEY, s: process.env.GOOGLE_APPLICATION_CREDENTIALS };
    delete process.env.GOOGLE_API_KEY;
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    try {
      const err = await createDriveClient({ tokenFile: path.join(dir, 't.json'), credentialsFile: path.join(dir, 'c.json') }).catch((e: unknown) => e);
      expect(isHtrError(err, 'HTR_ERR_DOWNLOAD_FAILED')).toBe(true);
      expect((err as Error).message).toMatch(/raw_dir/);
    } finally {
      if (saved.k !== undefined) process.env.GOOGLE_API_KEY = saved.k;
      if (saved.s !== undefined) process.env.GOOGLE_APPLICATION_CREDENTIALS = saved.s;
    }
  });
});
