/** Opens data.path as a FileSource, choosing the directory or zip reader. */
import { stat } from 'node:fs/promises';
import { htrError } from '../../errors.js';
import { DirectorySource, type FileSource } from './file_source.js';
import { ZipSource } from './zip_source.js';

/** A directory or a .zip file at `location`; throws HTR_ERR_MISSING_FILE if it is neither. */
export async function openSource(location: string): Promise<FileSource> {
  let info;
  try {
    info = await stat(location);
  } catch (err) {
    throw htrError('HTR_ERR_MISSING_FILE', { file: location }, err);
  }
  if (info.isDirectory()) return new DirectorySource(location);
  if (location.toLowerCase().endsWith('.zip')) return ZipSource.open(location);
  throw htrError('HTR_ERR_BAD_DATA_FILE', { file: location, reason: 'data.path must be a directory or a .zip archive' });
}
