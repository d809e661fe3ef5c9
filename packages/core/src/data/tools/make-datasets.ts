/**
 * Generates packages/core/data/datasets/*.json (class lists and split rules of the built-in datasets) from
 * the installed npm data packages. Run once when a data package version changes:
 *   npx tsx packages/core/src/data/tools/make-datasets.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DatasetClass, DatasetFile } from "../dataset-files.js";
import { loadEmojiTexts, type EmojiText } from "../emoji-meta.js";
import { hashString } from "../hash.js";
import { committedDataDir } from "../paths.js";
import { listSourceEntries } from "../read-sources.js";
import { BENCHMARK_STYLES, EMOJI_SOURCES, sourceById } from "../sources.js";
import { iconNetClasses } from "./iconnet-classes.js";

const emoji = loadEmojiTexts();
const drawn = new Map<string, Set<string>>();
for (const spec of EMOJI_SOURCES) drawn.set(spec.id, new Set((await listSourceEntries(spec, emoji)).map((e) => e.key)));

const bases = [...emoji.values()].filter((e) => e.baseKey === e.key).sort((a, b) => a.order - b.order);
const inAll = (key: string, styles: readonly string[]) => styles.every((s) => drawn.get(s)!.has(key));
const benchmarkConcepts = bases.filter((e) => inAll(e.key, BENCHMARK_STYLES));
const EMOJI_LICENSE = "Apache-2.0 (Noto, Noto v1), CC-BY-4.0 (Twemoji, EmojiOne), MIT (Fluent); text: Unicode License (CLDR)";

function emojiClass(e: EmojiText): DatasetClass {
  return { name: e.label, order: e.order, group: e.subgroup, keys: [e.key] };
}

function emojiDataset(name: string, title: string, analog: string, description: string, members: EmojiText[],
  extra: Partial<DatasetFile> = {}): DatasetFile {
  return {
    name, title, analog, description, kind: "emoji", styles: [...BENCHMARK_STYLES],
    renders: { train: [0, 1, 2, 3], test: [4, 5, 6, 7] }, classes: members.map(emojiClass), license: EMOJI_LICENSE, ...extra,
  };
}

const PEOPLE_SUBGROUPS = ["person-activity", "person-sport", "person-role", "person-gesture", "person-fantasy", "person-resting"];
const GENDER_PREFIX = /^(man|woman|person|men|women|people)\s+/;
const GENDER_SUFFIX = /\s+(man|woman|person)$/;

function actionClasses(): { classes: DatasetClass[]; testArtworks: string[] } {
  const merged = new Map<string, EmojiText[]>();
  for (const e of bases.filter((b) => PEOPLE_SUBGROUPS.includes(b.subgroup))) {
    const concept = e.label.replace(GENDER_PREFIX, "").replace(GENDER_SUFFIX, "");
    merged.set(concept, [...(merged.get(concept) ?? []), e]);
  }
  const variants = (members: EmojiText[]) =>
    [...emoji.values()].filter((v) => members.some((m) => m.key === v.baseKey)).map((v) => v.key);
  const classes: DatasetClass[] = [];
  for (const [concept, members] of merged) {
    const keys = variants(members);
    // Drawn in at least 5 of the 6 benchmark styles (EmojiOne 2 and Noto v1 predate many role emoji).
    if (BENCHMARK_STYLES.filter((style) => keys.some((k) => drawn.get(style)!.has(k))).length < 5) continue;
    const neutral = members.find((m) => /^(person|people) |person$/.test(m.label))
      ?? members.find((m) => !GENDER_PREFIX.test(m.label) && !GENDER_SUFFIX.test(m.label));
    const first = members.reduce((a, b) => (a.order <= b.order ? a : b));
    classes.push({ name: neutral?.label ?? concept, order: first.order, group: first.subgroup, keys: keys.sort() });
  }
  classes.sort((a, b) => a.order - b.order);
  const testArtworks: string[] = [];
  for (const c of classes) {
    for (const style of BENCHMARK_STYLES) {
      for (const key of c.keys) if (drawn.get(style)!.has(key) && hashString(`${style}/${key}`) % 3 === 0) testArtworks.push(`${style}/${key}`);
    }
  }
  return { classes, testArtworks: testArtworks.sort() };
}

const bySubgroup = (...subgroups: string[]) => benchmarkConcepts.filter((e) => subgroups.includes(e.subgroup));
const byGroup = (group: string) => benchmarkConcepts.filter((e) => e.group === group);
const faces = benchmarkConcepts.filter((e) => e.group === "smileys-emotion" && /^(face-|cat-face|monkey-face)/.test(e.subgroup));
const actions = actionClasses();
const flags = bases.filter((e) => e.subgroup === "country-flag" && inAll(e.key, ["twemoji", "fluent-3d"]));

const datasets: DatasetFile[] = [
  emojiDataset("emojinet", "EmojiNet", "ImageNet",
    "Every emoji concept drawn in all six benchmark styles. Train on Google Noto renders (16 per class); test on Noto renders, or on another style for cross-domain.",
    benchmarkConcepts, { defaultStyles: ["noto"], renders: { train: range(0, 16), test: range(16, 24) } }),
  emojiDataset("emoobjects", "EmoObjects", "Caltech101", "Emoji of the Objects category.", byGroup("objects")),
  emojiDataset("emopets", "EmoPets", "OxfordPets", "Animal emoji (mammals, birds, marine animals, bugs, reptiles, amphibians).",
    bySubgroup("animal-mammal", "animal-bird", "animal-marine", "animal-bug", "animal-reptile", "animal-amphibian")),
  emojiDataset("emovehicles", "EmoVehicles", "StanfordCars / FGVC-Aircraft", "Ground, air and water transport emoji.",
    bySubgroup("transport-ground", "transport-air", "transport-water")),
  emojiDataset("emoflora", "EmoFlora", "Flowers102", "Flowers, other plants, sky and weather emoji.",
    bySubgroup("plant-flower", "plant-other", "sky-weather")),
  emojiDataset("emofood", "EmoFood", "Food101", "Food and drink emoji.", byGroup("food-drink")),
  emojiDataset("emofaces", "EmoFaces", "DTD", "Smiley faces (all face-* subgroups) plus cat and monkey faces: fine-grained.", faces),
  {
    ...emojiDataset("emoactions", "EmoActions", "UCF101",
      "People doing things (activities, sports, roles, gestures, fantasy, resting), merged over man/woman/person and skin tones. Split at the artwork level: about a third of the (style, variant) artworks are test.",
      []),
    classes: actions.classes, testArtworks: actions.testArtworks, renders: { train: [0, 1], test: [0, 1] },
  },
  emojiDataset("emoflags", "EmoFlags", "EuroSAT", "Country flags in Twemoji and Fluent 3D (Noto flags are not in the pinned Noto package).",
    flags, { styles: ["twemoji", "fluent-3d"], renders: { train: range(0, 8), test: range(8, 16) },
      license: "CC-BY-4.0 (Twemoji), MIT (Fluent); text: Unicode License (CLDR)" }),
  await iconNetClasses(),
  {
    name: "fashionmnist", title: "Fashion-MNIST", analog: "real photographs", kind: "fashion-mnist",
    description: "Zalando's Fashion-MNIST (28x28 grey product photos) from Debian's dataset-fashion-mnist package.",
    styles: ["fashion-mnist"], renders: { train: [0], test: [0] }, license: "MIT (Zalando SE)",
    classes: ["T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]
      .map((name, order) => ({ name, order, group: "clothing", keys: [String(order)] })),
  },
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

const dir = join(committedDataDir(), "datasets");
mkdirSync(dir, { recursive: true });
for (const dataset of datasets) {
  writeFileSync(join(dir, `${dataset.name}.json`), `${JSON.stringify(dataset, null, 1)}\n`);
  console.log(dataset.name.padEnd(14), String(dataset.classes.length).padStart(5), "classes");
}
void sourceById;
