/**
 * Which metrics share a chart: everything ending in /loss together, /cer together,
 * and so on; the learning rate on its own. Shared by run and comparison reports.
 */

export interface ChartGroup {
  readonly id: string;
  readonly title: string;
  readonly keys: readonly string[];
  readonly logY: boolean | 'auto';
  /** Error rates start the y axis at 0. */
  readonly zeroBased: boolean;
}

const TITLES: Record<string, string> = {
  loss: 'Loss',
  cer: 'Character error rate (CER)',
  wer: 'Word error rate (WER)',
  lr: 'Learning rate',
};
const ORDER = ['loss', 'cer', 'wer', 'lr'];
/** Keys that are coordinates or one-off facts, not curves. */
const NOT_CHARTED = (k: string) => k === 'epoch' || k === 'step' || k === 'time' || k.startsWith('model/');

export function groupOf(key: string): string {
  if (key === 'lr' || key.startsWith('lr-') || key.startsWith('lr/') || key.endsWith('/lr')) return 'lr';
  const i = key.lastIndexOf('/');
  // train/loss_epoch belongs with train/loss.
  return (i >= 0 ? key.slice(i + 1) : key).replace(/_(epoch|step)$/, '');
}

export function chartGroups(keys: Iterable<string>): ChartGroup[] {
  const byGroup = new Map<string, string[]>();
  for (const k of keys) {
    if (NOT_CHARTED(k)) continue;
    const g = groupOf(k);
    const list = byGroup.get(g) ?? [];
    list.push(k);
    byGroup.set(g, list);
  }
  const rank = (g: string) => (ORDER.includes(g) ? ORDER.indexOf(g) : ORDER.length);
  return [...byGroup.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([g, ks]) => ({
      id: g.replace(/[^\w-]+/g, '_'),
      title: TITLES[g] ?? g,
      keys: ks.sort(stageOrder),
      logY: g === 'loss' || g === 'lr' ? 'auto' : false,
      zeroBased: g === 'cer' || g === 'wer',
    }));
}

const STAGES = ['train', 'val', 'test'];
function stageOrder(a: string, b: string): number {
  const ra = STAGES.indexOf(a.split('/')[0] as string);
  const rb = STAGES.indexOf(b.split('/')[0] as string);
  return (ra < 0 ? 9 : ra) - (rb < 0 ? 9 : rb) || a.localeCompare(b);
}

const STAGE_COLORS: Record<string, string> = { train: '#2f6fde', val: '#e8710a', test: '#1e9e62' };
const PALETTE = ['#2f6fde', '#e8710a', '#1e9e62', '#c2185b', '#7b5cd6', '#00838f', '#8d6e00', '#5d6b7a', '#d84315', '#3949ab'];

/** Colour of a metric in a single-run chart: by stage, else by position. */
export function metricColor(key: string, index: number): string {
  return STAGE_COLORS[key.split('/')[0] as string] ?? (PALETTE[index % PALETTE.length] as string);
}

/** Per-epoch aggregates (train/loss_epoch) share their stage's colour, dashed. */
export function metricDash(key: string): string | undefined {
  return /_epoch$/.test(key) ? '5 3' : undefined;
}

/** Colour of run `index` in a comparison. */
export function runColor(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}

/** Line style of a stage in a comparison (colour already encodes the run). */
export function stageDash(key: string): string | undefined {
  const stage = key.split('/')[0];
  return stage === 'val' ? '6 4' : stage === 'test' ? '2 3' : undefined;
}
