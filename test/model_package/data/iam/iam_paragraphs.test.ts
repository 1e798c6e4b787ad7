import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IAMParagraphs, IAMParagraphsConfig } from '../../../../model_package/data/iam/iam_paragraphs.js';
import { IAMSyntheticParagraphs, IAMSyntheticParagraphsConfig, stackLines } from '../../../../model_package/data/iam/iam_synthetic_paragraphs.js';
import { IAMOriginalAndSyntheticParagraphs, IAMOriginalAndSyntheticParagraphsConfig } from '../../../../model_package/data/iam/iam_original_and_synthetic_paragraphs.js';
import { getDataEntry } from '../../../../model_package/data/registry.js';
import { Tokenizer } from '../../../../model_package/core/tokenizer.js';
import type { Batch } from '../../../../model_package/core/data_types.js';
import { Rng } from '../../../../model_package/core/rng.js';
import { useIamFixture } from '../../../helpers/iam_suite.js';

const suite = useIamFixture('htr-iampara-');
const common = () => ({ raw_dir: suite.fx.root, processed_dir: path.join(suite.dir, 'processed'), batch_size: 2, max_lines: 8, max_width: 320 });

async function batches(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('IAMParagraphs', () => {
  it('one paragraph per form: n lines -> n x 28 px, labels joined by newlines', async () => {
    const m = new IAMParagraphs(IAMParagraphsConfig.parse({ ...common(), augment: { enabled: false } }));
    suite.track(m);
    await m.setup('fit');
    expect(m.dataConfig().inputDims).toEqual([1, 8 * 28, 320]);
    for (const split of ['train', 'val', 'test'] as const) {
      const forms = suite.fx.forms.filter((f) => f.split === split);
      expect(m.crops?.[split].map((c) => c.id)).toEqual(forms.map((f) => f.id));
      for (const f of forms) {
        const crop = m.crops?.[split].find((c) => c.id === f.id);
        const kept = f.lines.filter((l) => l.kept);
        expect(crop?.text).toBe(kept.map((l) => l.text).join('\n'));
        expect(crop?.image.height).toBe(kept.length * 28);
        expect(crop?.image.width).toBeLessThanOrEqual(320);
      }
    }
    const [b] = await batches(m.testDataloader());
    expect([b?.height, b?.width]).toEqual([224, 320]);
    const tok = new Tokenizer(m.dataConfig().mapping);
    expect(tok.decode(b!.y.subarray(0, b!.seqLength))).toBe(b!.texts[0]);
    expect(b!.texts[0]).toContain('\n');
    // rows below the paragraph are paper
    const n = b!.texts[0]!.split('\n').length;
    expect(Math.max(...b!.x.subarray(n * 28 * 320, 224 * 320))).toBe(0);
  });

  it('drops (and counts) paragraphs over max_lines', async () => {
    const m = new IAMParagraphs(IAMParagraphsConfig.parse({ ...common(), max_lines: 5 }));
    suite.track(m);
    await m.setup('fit');
    const report = m.properties().label_filter as Record<string, { too_tall: number; kept: number }>;
    const tooTall = suite.fx.forms.filter((f) => f.split === 'train' && f.lines.filter((l) => l.kept).length > 5).length;
    expect(report.train?.too_tall).toBe(tooTall);
    expect(report.train?.kept).toBe(3 - tooTall);
  });
});

describe('IAMSyntheticParagraphs', () => {
  it('stacks 1..max_lines crops from the same split, deterministic per index', async () => {
    const m = new IAMSyntheticParagraphs(IAMSyntheticParagraphsConfig.parse({ ...common(), num_train: 12, num_val: 4, num_test: 4, seed: 3 }));
    suite.track(m);
    await m.setup('fit');
    const trainTexts = new Set(suite.fx.forms.filter((f) => f.split === 'train').flatMap((f) => f.lines.filter((l) => l.kept).map((l) => l.text)));
    const testTexts = new Set(suite.fx.forms.filter((f) => f.split === 'test').flatMap((f) => f.lines.filter((l) => l.kept).map((l) => l.text)));
    const all = await batches(m.trainDataloader(0));
    expect(all.reduce((n, b) => n + b.batchSize, 0)).toBe(12);
    const counts = new Set<number>();
    for (const b of all) {
      for (const t of b.texts) {
        const ls = t.split('\n');
        counts.add(ls.length);
        expect(ls.length).toBeLessThanOrEqual(8);
        for (const l of ls) expect(trainTexts.has(l)).toBe(true);
      }
    }
    expect(counts.size).toBeGreaterThan(2);
    for (const b of await batches(m.testDataloader())) for (const t of b.texts) for (const l of t.split('\n')) expect(testTexts.has(l)).toBe(true);
    const again = new IAMSyntheticParagraphs(IAMSyntheticParagraphsConfig.parse({ ...common(), num_train: 12, seed: 3, augment: { enabled: false } }));
    suite.track(again);
    await again.setup('fit');
    const v1 = await batches(m.valDataloader());
    const v2 = await batches(again.valDataloader());
    expect(v2.slice(0, v1.length).map((b) => b.texts)).toEqual(v1.map((b) => b.texts)); // num_val differs; index i is the same paragraph
    expect(Array.from(v2[0]!.x)).toEqual(Array.from(v1[0]!.x));
  });

  it('stackLines keeps labels within max_label_length and places each line on its own band', () => {
    const crop = (text: string) => ({ id: text, text, image: { data: new Uint8Array(28 * 50).fill(0), width: 50, height: 28 } });
    const crops = [crop('aaaaaaaaaa'), crop('bbbbbbbbbb')];
    for (let s = 0; s < 20; s++) {
      const p = stackLines(crops, new Rng(s), { lineHeight: 28, maxLines: 6, minLines: 1, maxWidth: 64, maxLabelLength: 32 }, 'x');
      expect([...p.text].length).toBeLessThanOrEqual(32);
      const n = p.text.split('\n').length;
      expect(p.image.height).toBe(n * 28);
      // crops are all ink (0 = black paper-high): each band has 50 inked columns
      for (let r = 0; r < n; r++) {
        let ink = 0;
        for (let x = 0; x < 64; x++) ink += p.image.data[(r * 28 + 10) * 64 + x] as number;
        expect(ink).toBe(50);
      }
    }
  });
});

describe('IAMOriginalAndSyntheticParagraphs', () => {
  it('trains on real + synthetic paragraphs; validates and tests on real ones only', async () => {
    const m = new IAMOriginalAndSyntheticParagraphs(IAMOriginalAndSyntheticParagraphsConfig.parse({ ...common(), num_synthetic: 5, augment: { enabled: false } }));
    suite.track(m);
    await m.setup('fit');
    const train = await batches(m.trainDataloader(0));
    const ids = train.flatMap((b) => b.ids);
    expect(ids.filter((i) => i.startsWith('synthetic-train-'))).toHaveLength(5);
    expect(ids.filter((i) => !i.startsWith('synthetic')).sort()).toEqual(suite.fx.forms.filter((f) => f.split === 'train').map((f) => f.id).sort());
    const val = (await batches(m.valDataloader())).flatMap((b) => b.ids);
    expect(val.sort()).toEqual(suite.fx.forms.filter((f) => f.split === 'val').map((f) => f.id).sort());
    expect(m.dataConfig().inputDims).toEqual([1, 224, 320]);
  });

  it('all four IAM classes are in the data registry', () => {
    for (const name of ['IAMLines', 'IAMParagraphs', 'IAMSyntheticParagraphs', 'IAMOriginalAndSyntheticParagraphs']) {
      expect(Object.keys(getDataEntry(name).schema.shape)).toContain('raw_dir');
    }
  });
});
