/**
 * IconNet's class list: concepts drawn by at least 3 of the 4 icon libraries Phosphor, IconPark, Lucide and
 * Tabler (same name after removing style suffixes), curated by hand: UI-only, abstract, brand and ambiguous
 * names are dropped (see DROP_PATTERNS and DROP_NAMES).
 */
import type { DatasetClass, DatasetFile } from "../dataset-files.js";
import { listSourceEntries, type SourceEntry } from "../read-sources.js";
import { sourceById } from "../sources.js";

/** The library whose names define each family's concepts. */
const FAMILY_SOURCE: Record<string, string> = { ph: "ph-regular", "icon-park": "icon-park-outline", lucide: "lucide", tabler: "tabler-outline" };

const STYLE_SUFFIX = /-(outline|outlined|filled|fill|bold|line|solid|regular)$/;

/** Name patterns that are UI widgets, layout or text operations, directions, shapes, charts or brands. */
const DROP_PATTERNS = [
  /^(align|arrow|arrows|chart|text|layout|format|border|grid|list|table|sort|caret|chevron|corner|cursor|brand|logo)/,
  /^(letter|number|numbers|square|circle|rectangle|triangle|hexagon|octagon|pentagon|shape|dots|minus|plus|equal|divide|percent|hash|asterisk|ampersand|at)(-|$)/,
  /^(x|check|checks|close|menu|more|option|selection|select|column|columns|row|rows|split|merge|paragraph|indent|outdent|subtitle|strikethrough|underline|italic|heading|quote|code|brackets|braces|parentheses)(-|$)/,
  /^(zoom|scan|focus|frame|crop|rotate|flip|reflect|scale|resize|move|drag|pointer|click|swipe|download|upload|import|export|login|logout|log-in|log-out|enter|exit|redo|undo|refresh|repeat|reload|sync|share|send|link|unlink)(-|$)/,
  /^(filter|funnel|toggle|switch|slider|sliders|adjustments|settings|layers|stack|components|blocks|binary|function|variable|api|webhook|rss|timeline|shuffle|perspective|contrast|angle|aperture|airplay|ad|gps|trademark|voicemail|search|sticker|dot)(-|$)/,
  /^(user|users|account|profile|id|badge|tag|tags|label|sign|signal|wifi|bluetooth|volume|player|play|pause|stop|skip|rewind|fast-forward|git|heartbeat|activity|pulse)(-|$)/,
  /-(off|on|plus|minus|x|check|up|down|left|right|dot|dots|slash|question|exclamation|alert|lock|search|share|2|3|4|5|simple|alt|one|two|three|circle|square)$/,
];

/** Ambiguous names, brands and symbols kept out after looking at them. */
const DROP_NAMES = new Set([
  "apple", "bug", "mouse", "windows", "android", "chrome", "github", "twitter", "facebook", "youtube", "instagram",
  "slack", "figma", "dribbble", "behance", "codepen", "gitlab", "linkedin", "twitch", "discord", "telegram",
  "whatsapp", "info", "help", "question", "warning", "error", "success", "power", "infinity", "sigma", "spade",
  "weight", "nut", "pin", "theater", "prescription", "lasso", "video", "peace", "yin-yang", "hand-click",
  "mood-smile", "wave-sine", "cell", "option", "command", "keyhole", "app-window", "browser", "copy", "copyleft",
  "copyright", "devices", "picture-in-picture", "phone-incoming", "phone-outgoing", "star-half", "file-code",
  "folder-code", "currency", "navigation", "network", "broadcast", "signature", "crosshair", "cross", "sparkle",
  "terminal",
]);

function concept(name: string): string {
  return name.replace(STYLE_SUFFIX, "");
}

export async function iconNetClasses(): Promise<DatasetFile> {
  const byFamily = new Map<string, Map<string, SourceEntry>>();
  for (const [family, sourceId] of Object.entries(FAMILY_SOURCE)) {
    const entries = await listSourceEntries(sourceById(sourceId)!, new Map());
    const names = new Map<string, SourceEntry>();
    for (const entry of entries) if (!names.has(concept(entry.key))) names.set(concept(entry.key), entry);
    byFamily.set(family, names);
  }
  const counts = new Map<string, string[]>();
  for (const [family, names] of byFamily) for (const name of names.keys()) counts.set(name, [...(counts.get(name) ?? []), family]);
  const classes: DatasetClass[] = [];
  for (const [name, families] of [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (families.length < 3 || DROP_NAMES.has(name) || DROP_PATTERNS.some((p) => p.test(name))) continue;
    const keys = families.map((f) => `${f}:${byFamily.get(f)!.get(name)!.key}`);
    const tabler = byFamily.get("tabler")?.get(name);
    const ph = byFamily.get("ph")?.get(name);
    const group = tabler?.categories?.[0] ?? ph?.categories?.[0] ?? "other";
    classes.push({ name: name.replace(/-/g, " "), order: classes.length, group: String(group).toLowerCase(), keys });
  }
  return {
    name: "iconnet", title: "IconNet", analog: "SUN397",
    description: "Objects drawn as icons by Phosphor (6 weights), IconPark (4 variants), Lucide and Tabler (outline, filled): concepts present in at least 3 of the 4 libraries, curated by hand.",
    kind: "icon",
    styles: ["ph-thin", "ph-light", "ph-regular", "ph-bold", "ph-fill", "ph-duotone", "icon-park", "icon-park-outline",
      "icon-park-solid", "icon-park-twotone", "lucide", "tabler-outline", "tabler-filled"],
    renders: { train: [0, 1], test: [2, 3] },
    classes,
    license: "MIT (Phosphor, Tabler), Apache-2.0 (IconPark), ISC (Lucide)",
  };
}
