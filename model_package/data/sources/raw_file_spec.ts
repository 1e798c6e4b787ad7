/** One file a dataset needs, as listed in data/raw/<dataset>/metadata.yaml. */
export interface RawFileSpec {
  name: string;
  drive_id?: string;
  sha256: string;
  md5?: string;
}
