/**
 * The `data.drive_*` keys every Drive-backed data module takes (IAM, EMNIST), and
 * their translation into `DriveOptions`: one definition, so help text and defaults agree.
 */
import { z } from 'zod';
import type { DriveOptions } from './drive.js';

export const DriveConfigShape = {
  drive_api_key: z.string().optional().describe('Google API key for Drive files shared by link (default $GOOGLE_API_KEY)'),
  drive_service_account_key: z.string().optional().describe('service-account key JSON for Drive (default $GOOGLE_APPLICATION_CREDENTIALS)'),
  drive_credentials: z.string().default('google_drive_credentials.json').describe('OAuth client secrets for the first-run browser authorization'),
  drive_token: z.string().default('token.json').describe('saved OAuth user token'),
  drive_root_url: z.string().optional().describe('Drive API root override (tests use a fake server)'),
};
export type DriveConfig = z.infer<z.ZodObject<typeof DriveConfigShape>>;

export function driveOptionsFromConfig(c: DriveConfig): DriveOptions {
  return {
    ...(c.drive_api_key ? { apiKey: c.drive_api_key } : {}),
    ...(c.drive_service_account_key ? { serviceAccountKeyFile: c.drive_service_account_key } : {}),
    ...(c.drive_root_url ? { rootUrl: c.drive_root_url } : {}),
    credentialsFile: c.drive_credentials,
    tokenFile: c.drive_token,
    log: (m) => process.stderr.write(`${m}\n`),
  };
}
