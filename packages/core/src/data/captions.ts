/**
 * Captions for corpus entries, from the committed templates (packages/core/data/captions.json) filled with
 * an entry's name, tags, categories, locale labels and the style words of its source.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Rng } from "../tensor/rng.js";
import { committedDataDir } from "./paths.js";

export interface CaptionTemplates {
  readonly emoji: readonly string[];
  readonly icon: readonly string[];
  readonly canonical: { readonly emoji: string; readonly icon: string };
}

let templates: CaptionTemplates | undefined;

export function captionTemplates(): CaptionTemplates {
  templates ??= JSON.parse(readFileSync(join(committedDataDir(), "captions.json"), "utf8")) as CaptionTemplates;
  return templates;
}

/** The text one entry offers; list fields are sampled from. */
export interface CaptionFields {
  readonly kind: "emoji" | "icon";
  readonly styleWords: readonly string[];
  /** Emoji: label; icon: name words. */
  readonly name: string;
  readonly tags: readonly string[];
  readonly categories: readonly string[];
  readonly aliases: readonly string[];
  readonly emoji?: string;
  readonly shortcodes?: readonly string[];
  readonly locales?: readonly string[];
  readonly group?: string;
  readonly subgroup?: string;
}

/** "an apple", "a dog", "a UI icon", "a unicorn", "an hour glass" (a spelling rule, good enough for captions). */
export function withArticle(phrase: string): string {
  const vowelSound = /^(hour|honest|heir)/i.test(phrase) || (/^[aeiou]/i.test(phrase) && !/^(uni|use|usu|uti|ui\b|one|eu|ewe)/i.test(phrase));
  return `${vowelSound ? "an" : "a"} ${phrase}`;
}

/** Style and size words inside icon names ("baseline-", "-outline-rounded", "-24px") that are not the concept. */
const ICON_STYLE_WORDS = new Set(["baseline", "outline", "outlined", "round", "rounded", "sharp", "twotone", "fill",
  "filled", "line", "solid", "bold", "thin", "light", "regular", "duotone", "16px", "20px", "24px", "48px"]);

/** "outline-cloud-rain-rounded-24px" -> "cloud rain". */
export function iconWords(name: string): string {
  const words = name.split(/[-_\s]+/).filter((w) => w && !ICON_STYLE_WORDS.has(w.toLowerCase()));
  while (words.length > 1 && /^\d+$/.test(words.at(-1)!)) words.pop();
  return words.join(" ");
}

function pick<T>(items: readonly T[], rng?: Rng): T | undefined {
  if (items.length === 0) return undefined;
  return rng ? items[rng.int(items.length)] : items[0];
}

function someOf(items: readonly string[], rng?: Rng): string {
  if (items.length === 0) return "";
  if (!rng) return items.slice(0, 3).join(", ");
  return rng.sample(items, 1 + rng.int(Math.min(4, items.length))).join(", ");
}

function fieldValue(field: string, fields: CaptionFields, style: string, rng?: Rng): string {
  const words = (text?: string) => (text ?? "").replace(/-/g, " ");
  switch (field) {
    case "label": case "name": return fields.name;
    case "a_label": case "a_name": return fields.name ? withArticle(fields.name) : "";
    case "style": return style;
    case "a_style": return withArticle(style);
    case "tags": return someOf(fields.tags, rng);
    case "category": return words(pick(fields.categories, rng)).toLowerCase();
    case "aliases": return someOf(fields.aliases.map(iconWords), rng);
    case "emoji": return fields.emoji ?? "";
    case "shortcode": { const code = pick(fields.shortcodes ?? [], rng); return code ? `:${code}:` : ""; }
    case "locale_label": return pick(fields.locales ?? [], rng) ?? "";
    case "group": return words(fields.group);
    case "subgroup": return words(fields.subgroup);
    default: return "";
  }
}

/** Fill one template; null when a field it uses is empty for this entry. */
export function fillTemplate(template: string, fields: CaptionFields, rng?: Rng): string | null {
  const style = pick(fields.styleWords, rng) ?? fields.kind;
  let missing = false;
  const text = template.replace(/\{(\w+)\}/g, (_, field: string) => {
    const value = fieldValue(field, fields, style, rng);
    if (!value) missing = true;
    return value;
  });
  return missing ? null : text;
}

/** A caption: the canonical one without an Rng, a random template (with random fields) with one. */
export function makeCaption(fields: CaptionFields, rng?: Rng): string {
  const all = captionTemplates();
  if (!rng) return fillTemplate(all.canonical[fields.kind], fields) ?? fields.name;
  const choices = rng.shuffle(all[fields.kind]);
  for (const template of choices) {
    const text = fillTemplate(template, fields, rng);
    if (text) return text;
  }
  return fields.name;
}
