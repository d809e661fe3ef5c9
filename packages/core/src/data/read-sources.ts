/**
 * Enumerate the images of a source from its installed npm package: one entry per drawn concept, with its
 * SVG text or image file and the text that comes with it (tags, categories, aliases). Build time only.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { emojiKey, type EmojiText } from "./emoji-meta.js";
import { packageDir } from "./paths.js";
import type { SourceSpec } from "./sources.js";

export interface SourceEntry {
  /** Emoji concept key ("1f436") or icon name ("dog"). */
  readonly key: string;
  readonly svg?: string;
  readonly file?: string;
  readonly tags?: readonly string[];
  readonly categories?: readonly string[];
  readonly aliases?: readonly string[];
}

interface IconifyIcon { body: string; width?: number; height?: number; left?: number; top?: number; hidden?: boolean }
interface IconifySet {
  icons: Record<string, IconifyIcon>;
  aliases?: Record<string, { parent: string }>;
  width?: number;
  height?: number;
  left?: number;
  top?: number;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

export function iconifySvg(set: IconifySet, icon: IconifyIcon): string {
  const width = icon.width ?? set.width ?? 16;
  const height = icon.height ?? set.height ?? 16;
  const left = icon.left ?? set.left ?? 0;
  const top = icon.top ?? set.top ?? 0;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${left} ${top} ${width} ${height}" width="${width}" height="${height}">${icon.body}</svg>`;
}

function iconifySet(prefix: string): IconifySet {
  return readJson<IconifySet>(join(packageDir(`@iconify-json/${prefix}`), "icons.json"));
}

function iconifyCategories(prefix: string): Map<string, string[]> {
  const path = join(packageDir(`@iconify-json/${prefix}`), "metadata.json");
  const byIcon = new Map<string, string[]>();
  if (!existsSync(path)) return byIcon;
  const meta = readJson<{ categories?: Record<string, string[]> }>(path);
  for (const [category, names] of Object.entries(meta.categories ?? {})) {
    for (const name of names) byIcon.set(name, [...(byIcon.get(name) ?? []), category]);
  }
  return byIcon;
}

function aliasesByParent(set: IconifySet): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [alias, { parent }] of Object.entries(set.aliases ?? {})) out.set(parent, [...(out.get(parent) ?? []), alias]);
  return out;
}

/** Emoji sets whose chars.json maps hexcodes to icon names (fluent-emoji shares fluent-emoji-flat's names). */
function iconifyEmojiByChars(spec: SourceSpec, emoji: ReadonlyMap<string, EmojiText>): SourceEntry[] {
  const set = iconifySet(spec.location);
  const charsPrefix = spec.location === "fluent-emoji" ? "fluent-emoji-flat" : spec.location;
  const chars = readJson<Record<string, string>>(join(packageDir(`@iconify-json/${charsPrefix}`), "chars.json"));
  const out: SourceEntry[] = [];
  for (const [hex, name] of Object.entries(chars)) {
    const key = emojiKey(hex);
    const icon = set.icons[name];
    if (!icon || !emoji.has(key)) continue;
    out.push({ key, svg: iconifySvg(set, icon) });
  }
  return out;
}

/** Letters and digits only, lower case, accents removed: "Face Blowing a Kiss" -> "faceblowingakiss". */
export function squash(text: string): string {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * Sets without hexcodes (noto-v1, emojione, emojione-monotone): match icon names to CLDR labels and shortcodes.
 * EmojiOne names country flags "flag-for-germany" where CLDR says "flag: Germany", so that prefix also matches.
 */
function iconifyEmojiByName(spec: SourceSpec, emoji: ReadonlyMap<string, EmojiText>): SourceEntry[] {
  const set = iconifySet(spec.location);
  const byName = new Map<string, string>();
  for (const text of emoji.values()) {
    for (const name of [text.label, ...text.shortcodes]) {
      const squashed = squash(name);
      if (squashed && !byName.has(squashed)) byName.set(squashed, text.key);
    }
  }
  const found = new Map<string, string>(); // key -> icon name
  const names: [string, string][] = Object.keys(set.icons).map((name) => [name, name]);
  for (const [alias, { parent }] of Object.entries(set.aliases ?? {})) names.push([alias, parent]);
  for (const [name, target] of names) {
    const key = byName.get(squash(name)) ?? byName.get(squash(name.replace(/^flag-for-/, "flag-")));
    if (key && !found.has(key) && set.icons[target] && !set.icons[target]!.hidden) found.set(key, target);
  }
  return [...found.entries()].map(([key, name]) => ({ key, svg: iconifySvg(set, set.icons[name]!) }));
}

function webpFiles(spec: SourceSpec, emoji: ReadonlyMap<string, EmojiText>): SourceEntry[] {
  const dir = join(packageDir(spec.npm), spec.location);
  const out: SourceEntry[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith(".webp")) continue;
    const key = emojiKey(file.slice(0, -".webp".length));
    if (emoji.has(key)) out.push({ key, file: join(dir, file) });
  }
  return out;
}

function iconifyIcons(spec: SourceSpec): SourceEntry[] {
  const set = iconifySet(spec.location);
  const categories = iconifyCategories(spec.location);
  const aliases = aliasesByParent(set);
  return Object.entries(set.icons)
    .filter(([, icon]) => !icon.hidden)
    .map(([name, icon]) => ({
      key: name,
      svg: iconifySvg(set, icon),
      categories: categories.get(name) ?? [],
      aliases: aliases.get(name) ?? [],
    }));
}

interface IconText { tags: string[]; categories: string[]; aliases: string[] }

async function phosphorText(): Promise<Map<string, IconText>> {
  const url = pathToFileURL(join(packageDir("@phosphor-icons/core"), "dist", "index.mjs")).href;
  const module = (await import(url)) as { icons: { name: string; tags: string[]; categories: string[] }[] };
  return new Map(module.icons.map((i) => [i.name, { tags: i.tags, categories: i.categories, aliases: [] }]));
}

function mdiText(): Map<string, IconText> {
  const meta = readJson<{ name: string; tags: string[]; aliases: string[]; deprecated?: boolean }[]>(
    join(packageDir("@mdi/svg"), "meta.json"));
  return new Map(meta.filter((m) => !m.deprecated).map((m) => [m.name, { tags: [], categories: m.tags, aliases: m.aliases }]));
}

function tablerText(): Map<string, IconText> {
  const meta = readJson<Record<string, { category?: string; tags?: (string | number)[] }>>(
    join(packageDir("@tabler/icons"), "icons.json"));
  return new Map(Object.entries(meta).map(([name, m]) => [name, {
    tags: (m.tags ?? []).map(String),
    categories: m.category ? [m.category] : [],
    aliases: [],
  }]));
}

async function svgFiles(spec: SourceSpec): Promise<SourceEntry[]> {
  const dir = join(packageDir(spec.npm), spec.location);
  const texts = spec.family === "ph" ? await phosphorText() : spec.family === "mdi" ? mdiText() : tablerText();
  const weight = spec.family === "ph" ? spec.id.slice("ph-".length) : "";
  const suffix = weight && weight !== "regular" ? `-${weight}.svg` : ".svg";
  const out: SourceEntry[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith(suffix)) continue;
    const key = file.slice(0, -suffix.length);
    const text = texts.get(key);
    if (!text) continue; // unknown or deprecated
    out.push({ key, svg: readFileSync(join(dir, file), "utf8"), ...text });
  }
  return out;
}

/**
 * The revision of the code that lists a source's entries. A cached source written at another revision is built
 * again by `prepareCache`. Revision 2: by-name emoji sets also match EmojiOne's "flag-for-*" names (238 flags).
 */
export function readerRevision(spec: SourceSpec): number {
  return matchedByName(spec) ? 2 : 1;
}

/** Emoji sets listed by matching icon names to CLDR (fluent-emoji, though read by name, shares flat's chars.json). */
function matchedByName(spec: SourceSpec): boolean {
  return spec.kind === "emoji" && spec.reader === "iconify-by-name" && spec.location !== "fluent-emoji";
}

/** All entries of one source, sorted by key. */
export async function listSourceEntries(spec: SourceSpec, emoji: ReadonlyMap<string, EmojiText>): Promise<SourceEntry[]> {
  let entries: SourceEntry[];
  if (spec.reader === "webp-files") entries = webpFiles(spec, emoji);
  else if (spec.reader === "svg-files") entries = await svgFiles(spec);
  else if (spec.kind === "emoji") {
    entries = matchedByName(spec) ? iconifyEmojiByName(spec, emoji) : iconifyEmojiByChars(spec, emoji);
  } else entries = iconifyIcons(spec);
  const unique = new Map(entries.map((entry) => [entry.key, entry]));
  return [...unique.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
