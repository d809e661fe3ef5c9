/**
 * Emoji text from emojibase-data: label, tags, group, subgroup, order, shortcodes and the labels in 28
 * locales, keyed by the concept key (lower-case hexcode without FE0F, e.g. "1f436").
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageDir } from "./paths.js";

export const EMOJI_LOCALES = [
  "bn", "da", "de", "en", "en-gb", "es", "es-mx", "et", "fi", "fr", "hi", "hu", "it", "ja", "ko", "lt", "ms", "nb",
  "nl", "pl", "pt", "ru", "sv", "th", "uk", "vi", "zh", "zh-hant",
] as const;

export interface EmojiText {
  readonly key: string;
  readonly emoji: string;
  readonly label: string;
  readonly tags: readonly string[];
  readonly group: string;
  readonly subgroup: string;
  readonly order: number;
  readonly shortcodes: readonly string[];
  /** The key of the base emoji for a skin-tone variant; its own key otherwise. */
  readonly baseKey: string;
  /** Translated labels by locale (English included). */
  readonly locales: Readonly<Record<string, string>>;
}

/** "1F44B-1F3FB" or "2764-FE0F" -> "1f44b-1f3fb", "2764". */
export function emojiKey(hexcode: string): string {
  return hexcode.toLowerCase().split("-").filter((part) => part !== "fe0f").join("-");
}

interface RawEmoji {
  label: string;
  hexcode: string;
  emoji?: string;
  unicode?: string;
  tags?: string[];
  group?: number;
  subgroup?: number;
  order?: number;
  skins?: RawEmoji[];
}

interface Messages {
  groups: { key: string; order: number }[];
  subgroups: { key: string; order: number }[];
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

function shortcodeTable(root: string): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const preset of ["cldr", "github", "emojibase"]) {
    const codes = readJson<Record<string, string | string[]>>(join(root, "en", "shortcodes", `${preset}.json`));
    for (const [hexcode, value] of Object.entries(codes)) {
      const key = emojiKey(hexcode);
      const list = table.get(key) ?? [];
      for (const code of Array.isArray(value) ? value : [value]) if (!list.includes(code)) list.push(code);
      table.set(key, list);
    }
  }
  return table;
}

function localeLabels(root: string): Map<string, Record<string, string>> {
  const table = new Map<string, Record<string, string>>();
  for (const locale of EMOJI_LOCALES) {
    const entries = readJson<RawEmoji[]>(join(root, locale, "compact.json"));
    const visit = (entry: RawEmoji) => {
      const key = emojiKey(entry.hexcode);
      table.set(key, { ...(table.get(key) ?? {}), [locale]: entry.label });
      entry.skins?.forEach(visit);
    };
    entries.forEach(visit);
  }
  return table;
}

/** Every emoji (skin-tone variants included, components and regional indicators excluded) by key. */
export function loadEmojiTexts(): Map<string, EmojiText> {
  const root = packageDir("emojibase-data");
  const messages = readJson<Messages>(join(root, "en", "messages.json"));
  const groupKey = new Map(messages.groups.map((g) => [g.order, g.key]));
  const subgroupKey = new Map(messages.subgroups.map((g) => [g.order, g.key]));
  const shortcodes = shortcodeTable(root);
  const locales = localeLabels(root);
  const out = new Map<string, EmojiText>();
  const add = (entry: RawEmoji, parent?: RawEmoji) => {
    const group = groupKey.get(entry.group ?? parent?.group ?? -1);
    if (group === undefined || group === "component") return;
    const key = emojiKey(entry.hexcode);
    out.set(key, {
      key,
      emoji: entry.emoji ?? entry.unicode ?? "",
      label: entry.label,
      tags: entry.tags ?? parent?.tags ?? [],
      group,
      subgroup: subgroupKey.get(entry.subgroup ?? parent?.subgroup ?? -1) ?? "other",
      order: entry.order ?? parent?.order ?? 0,
      shortcodes: shortcodes.get(key) ?? [],
      baseKey: parent ? emojiKey(parent.hexcode) : key,
      locales: locales.get(key) ?? { en: entry.label },
    });
  };
  for (const entry of readJson<RawEmoji[]>(join(root, "en", "data.json"))) {
    add(entry);
    entry.skins?.forEach((skin) => add(skin, entry));
  }
  return out;
}
