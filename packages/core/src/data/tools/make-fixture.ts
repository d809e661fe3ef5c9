/**
 * Generates the small committed test fixture (packages/core/fixtures/data, well under 2 MB) from the real
 * sources: a dozen benchmark emoji concepts and a few other emoji in all nine styles, some IconNet concepts
 * and other icons, and 70 Fashion-MNIST images, all at 32 px, plus fixture dataset files.
 *   npx tsx packages/core/src/data/tools/make-fixture.ts [fashion-mnist folder with the IDX files]
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { DatasetFile } from "../dataset-files.js";
import { loadEmojiTexts } from "../emoji-meta.js";
import { parseIdx, storeFashionMnist } from "../fashion-mnist.js";
import { fixtureDir } from "../paths.js";
import { decodeFiles, RasterPool } from "../raster.js";
import { listSourceEntries, type SourceEntry } from "../read-sources.js";
import { BENCHMARK_STYLES, EMOJI_SOURCES, sourceById, type SourceSpec } from "../sources.js";
import { ImageStore } from "../store.js";

const SIZE = 32;
const BENCHMARK_LABELS = ["grinning face", "dog face", "cat face", "red apple", "pizza", "automobile", "rocket",
  "umbrella", "guitar", "soccer ball", "crab", "house"];
/** Concepts outside every benchmark class list (they may enter the corpus in every style). */
const OTHER_LABELS = ["keycap: 1", "keycap: 2", "input latin uppercase", "Aquarius", "Libra", "cross mark", "white flag", "chequered flag"];
const ICON_CLASSES = ["dog", "cat", "car", "rocket", "umbrella", "pizza"];
const ICON_FAMILIES: Record<string, string> = { "ph-regular": "ph", "ph-bold": "ph", "icon-park-outline": "icon-park", lucide: "lucide", "tabler-outline": "tabler" };
const CORPUS_ICONS: Record<string, string[]> = {
  "ph-regular": ["acorn", "anchor", "bicycle", "bird", "boat", "cloud-rain"],
  "ph-bold": ["acorn", "anchor", "bicycle", "coffee"],
  mdi: ["account", "airplane", "anchor", "bike", "bus", "coffee"],
  "game-icons": ["anvil", "apple-seed", "bear-face", "castle"],
  "icon-park-outline": ["apple", "bike", "coffee"],
};

const out = fixtureDir();
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "images"), { recursive: true });
const store = new ImageStore(join(out, "images"));
const gzip = (data: Uint8Array) => gzipSync(data, { level: 9 });
const emoji = loadEmojiTexts();
const byLabel = new Map([...emoji.values()].map((e) => [e.label, e.key]));
const keyOf = (label: string) => byLabel.get(label) ?? (() => { throw new Error(`no emoji labelled ${label}`); })();
const benchmarkKeys = BENCHMARK_LABELS.map(keyOf);
const emojiKeys = new Set([...benchmarkKeys, ...OTHER_LABELS.map(keyOf)]);
const pool = new RasterPool(join(out, "..", ".scratch"));

async function writeSource(spec: SourceSpec, entries: SourceEntry[]): Promise<void> {
  const stride = SIZE * SIZE * (spec.format === "rgba" ? 4 : 1);
  const bytes = new Uint8Array(entries.length * stride);
  const sink = (i: number, pixels: Uint8Array) => bytes.set(pixels, i * stride);
  if (spec.reader === "webp-files") await decodeFiles(entries.map((e) => e.file!), SIZE, spec.format, sink);
  else await pool.renderSvgs(entries.map((e) => e.svg!), SIZE, spec.format, sink);
  store.write({
    id: spec.id, width: SIZE, height: SIZE, format: spec.format, count: entries.length, keys: entries.map((e) => e.key),
    text: spec.kind === "icon" ? entries.map((e) => ({ tags: e.tags, categories: e.categories, aliases: e.aliases })) : undefined,
    npm: spec.npm,
  }, bytes, gzip);
  console.log(spec.id, entries.length);
}

for (const spec of EMOJI_SOURCES) {
  await writeSource(spec, (await listSourceEntries(spec, emoji)).filter((e) => emojiKeys.has(e.key)));
}
const iconKeys: string[] = [];
for (const id of new Set([...Object.keys(ICON_FAMILIES), ...Object.keys(CORPUS_ICONS)])) {
  const spec = sourceById(id)!;
  const wanted = new Set([...(ICON_FAMILIES[id] ? ICON_CLASSES : []), ...(CORPUS_ICONS[id] ?? [])]);
  const entries = (await listSourceEntries(spec, emoji)).filter((e) => wanted.has(e.key));
  for (const e of entries) if (ICON_CLASSES.includes(e.key) && ICON_FAMILIES[id]) iconKeys.push(`${spec.family}:${e.key}`);
  await writeSource(spec, entries);
}

mkdirSync(join(out, "text"), { recursive: true });
writeFileSync(join(out, "text", "emoji.json"),
  JSON.stringify(Object.fromEntries([...emoji].filter(([key]) => emojiKeys.has(key)))));

const fashionDir = process.argv[2];
if (fashionDir) {
  // 7 images per class: the first 5 of each class from the train file, 2 from the test file, as IDX files.
  mkdirSync(join(out, "fashion-mnist"), { recursive: true });
  for (const [prefix, perClass] of [["train", 5], ["t10k", 2]] as const) {
    const images = parseIdx(readFileSync(join(fashionDir, `${prefix}-images-idx3-ubyte.gz`)));
    const labels = parseIdx(readFileSync(join(fashionDir, `${prefix}-labels-idx1-ubyte.gz`)));
    const chosen: number[] = [];
    for (let c = 0; c < 10; c++) chosen.push(...[...labels.data.keys()].filter((i) => labels.data[i] === c).slice(0, perClass));
    chosen.sort((a, b) => a - b);
    const idx = (dims: number[], data: Uint8Array, code: number) => {
      const header = Buffer.alloc(4 + 4 * dims.length);
      header[2] = 0x08; header[3] = dims.length;
      dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
      void code;
      return gzip(Buffer.concat([header, data]));
    };
    const pixels = Buffer.concat(chosen.map((i) => images.data.subarray(i * 784, (i + 1) * 784)));
    writeFileSync(join(out, "fashion-mnist", `${prefix}-images-idx3-ubyte.gz`), idx([chosen.length, 28, 28], pixels, 3));
    writeFileSync(join(out, "fashion-mnist", `${prefix}-labels-idx1-ubyte.gz`), idx([chosen.length], Buffer.from(chosen.map((i) => labels.data[i]!)), 1));
  }
  storeFashionMnist(join(out, "fashion-mnist"), store);
}

const classOf = (key: string) => {
  const text = emoji.get(key)!;
  return { name: text.label, order: text.order, group: text.subgroup, keys: [key] };
};
const datasets: DatasetFile[] = [
  {
    name: "fixture-emoji", title: "Fixture emoji", analog: "EmojiNet", description: "12 benchmark emoji concepts in the six benchmark styles.",
    kind: "emoji", styles: [...BENCHMARK_STYLES], renders: { train: [0, 1, 2, 3], test: [4, 5] },
    classes: benchmarkKeys.map(classOf).sort((a, b) => a.order - b.order), license: "see NOTICE",
  },
  {
    name: "fixture-icons", title: "Fixture icons", analog: "IconNet", description: "6 IconNet concepts in 5 icon styles.",
    kind: "icon", styles: Object.keys(ICON_FAMILIES), renders: { train: [0, 1], test: [2] },
    classes: ICON_CLASSES.map((name, order) => ({ name, order, group: "fixture", keys: iconKeys.filter((k) => k.endsWith(`:${name}`)) })),
    license: "see NOTICE",
  },
  {
    name: "fixture-fashion", title: "Fixture Fashion-MNIST", analog: "Fashion-MNIST", description: "70 Fashion-MNIST images.",
    kind: "fashion-mnist", styles: ["fashion-mnist"], renders: { train: [0], test: [0] }, license: "MIT (Zalando SE)",
    classes: ["T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]
      .map((name, order) => ({ name, order, group: "clothing", keys: [String(order)] })),
  },
];
mkdirSync(join(out, "datasets"), { recursive: true });
for (const d of datasets) writeFileSync(join(out, "datasets", `${d.name}.json`), `${JSON.stringify(d, null, 1)}\n`);
rmSync(join(out, "..", ".scratch"), { recursive: true, force: true });
