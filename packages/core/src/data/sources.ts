/**
 * Every image source the built-in data draws from: npm package, license, author, pixel format and the
 * words captions use for its style. Only permissive sources are listed (no Apple or Facebook images, no
 * OpenMoji, no EmojiOne v1, no NC, GPL or share-alike sets); NOTICE at the repository root mirrors this.
 */
import type { PixelFormat } from "./image.js";

export type SourceKind = "emoji" | "icon";

export interface SourceSpec {
  /** Cache id and style name, e.g. "noto", "fluent-3d", "ph-bold". */
  readonly id: string;
  readonly kind: SourceKind;
  /** Sources whose keys name the same concepts: "emoji" (hexcodes) or an icon library ("ph", "tabler"). */
  readonly family: string;
  readonly title: string;
  readonly npm: string;
  readonly license: string;
  readonly author: string;
  readonly url: string;
  /** How the images are read from the package. */
  readonly reader: "iconify" | "iconify-by-name" | "webp-files" | "svg-files";
  /** Iconify prefix, or the folder and file-name pattern of svg/webp files. */
  readonly location: string;
  readonly format: PixelFormat;
  /** Words for captions: "a {style} of a dog face". */
  readonly styleWords: readonly string[];
  /** In the corpus (subject to the benchmark-exclusion rule). */
  readonly inCorpus: boolean;
}

const noto = { license: "Apache-2.0", author: "Google Inc.", url: "https://github.com/googlefonts/noto-emoji" };
const fluent = { license: "MIT", author: "Microsoft Corporation", url: "https://github.com/microsoft/fluentui-emoji" };
const emojione = { license: "CC-BY-4.0", author: "Emoji One (EmojiTwo)", url: "https://github.com/EmojiTwo/emojitwo" };

function emoji(id: string, title: string, npm: string, reader: SourceSpec["reader"], location: string,
  origin: { license: string; author: string; url: string }, styleWords: string[]): SourceSpec {
  return { id, kind: "emoji", family: "emoji", title, npm, reader, location, format: "rgba", styleWords, inCorpus: true, ...origin };
}

export const EMOJI_SOURCES: readonly SourceSpec[] = [
  emoji("noto", "Google Noto Color Emoji", "@iconify-json/noto", "iconify", "noto", noto, ["emoji", "Noto emoji", "glossy emoji"]),
  emoji("twemoji", "Twemoji", "@iconify-json/twemoji", "iconify", "twemoji",
    { license: "CC-BY-4.0", author: "Twitter, Inc. and contributors (jdecked/twemoji)", url: "https://github.com/jdecked/twemoji" },
    ["flat emoji", "Twemoji", "flat vector emoji"]),
  emoji("fluent-3d", "Microsoft Fluent Emoji 3D", "@lobehub/fluent-emoji-3d", "webp-files", "assets", fluent,
    ["3D emoji", "3D rendered emoji", "Fluent 3D emoji"]),
  emoji("fluent-flat", "Microsoft Fluent Emoji Flat", "@iconify-json/fluent-emoji-flat", "iconify", "fluent-emoji-flat", fluent,
    ["flat emoji", "Fluent flat emoji", "flat cartoon emoji"]),
  emoji("fluent-color", "Microsoft Fluent Emoji Color", "@iconify-json/fluent-emoji", "iconify-by-name", "fluent-emoji", fluent,
    ["colourful emoji", "Fluent emoji", "gradient emoji"]),
  emoji("fluent-hc", "Microsoft Fluent Emoji High Contrast", "@iconify-json/fluent-emoji-high-contrast", "iconify",
    "fluent-emoji-high-contrast", fluent, ["black and white emoji", "high-contrast emoji", "silhouette emoji"]),
  emoji("noto-v1", "Google Noto Emoji v1 (blob era)", "@iconify-json/noto-v1", "iconify-by-name", "noto-v1", noto,
    ["blob emoji", "old Noto emoji", "retro emoji"]),
  emoji("emojione", "EmojiOne 2 (colour)", "@iconify-json/emojione", "iconify-by-name", "emojione", emojione,
    ["cartoon emoji", "EmojiOne emoji", "outlined cartoon emoji"]),
  emoji("emojione-monotone", "EmojiOne 2 monotone", "@iconify-json/emojione-monotone", "iconify-by-name",
    "emojione-monotone", emojione, ["monochrome emoji", "line-art emoji", "black outline emoji"]),
];

/** The six benchmark styles: no (benchmark class, benchmark style) cell ever enters the corpus. */
export const BENCHMARK_STYLES = ["noto", "twemoji", "fluent-3d", "fluent-hc", "emojione-monotone", "noto-v1"] as const;
/** Styles used for every concept in pretraining. */
export const PRETRAIN_STYLES = ["fluent-flat", "fluent-color", "emojione"] as const;

interface IconOrigin { license: string; author: string; url: string }

function icon(id: string, family: string, title: string, npm: string, reader: SourceSpec["reader"], location: string,
  origin: IconOrigin, styleWords: string[], extra: Partial<SourceSpec> = {}): SourceSpec {
  return { id, kind: "icon", family, title, npm, reader, location, format: "alpha", styleWords, inCorpus: true, ...origin, ...extra };
}

const phosphor = { license: "MIT", author: "Phosphor Icons (Helena Zhang, Tobias Fried)", url: "https://github.com/phosphor-icons/core" };
const iconPark = { license: "Apache-2.0", author: "ByteDance", url: "https://github.com/bytedance/IconPark" };
const google = { license: "Apache-2.0", author: "Google (Material Design authors)", url: "https://github.com/google/material-design-icons" };

export const PHOSPHOR_WEIGHTS = ["thin", "light", "regular", "bold", "fill", "duotone"] as const;

export const ICON_SOURCES: readonly SourceSpec[] = [
  ...PHOSPHOR_WEIGHTS.map((weight) => icon(`ph-${weight}`, "ph", `Phosphor Icons (${weight})`, "@phosphor-icons/core",
    "svg-files", `assets/${weight}`, phosphor, [`${weight} line icon`, `${weight} Phosphor icon`, `${weight} icon`])),
  icon("mdi", "mdi", "Material Design Icons", "@mdi/svg", "svg-files", "svg",
    { license: "Apache-2.0", author: "Pictogrammers (Austin Andrews and contributors)", url: "https://github.com/Templarian/MaterialDesign" },
    ["solid icon", "material design icon", "glyph icon"]),
  icon("material-symbols", "material-symbols", "Material Symbols", "@iconify-json/material-symbols", "iconify", "material-symbols",
    google, ["material symbol", "rounded UI icon", "outline symbol"]),
  icon("ic", "ic", "Google Material Icons", "@iconify-json/ic", "iconify", "ic", google, ["material icon", "UI icon", "flat glyph"]),
  icon("fa7-solid", "fa7", "Font Awesome 7 Free (solid)", "@iconify-json/fa7-solid", "iconify", "fa7-solid",
    { license: "CC-BY-4.0", author: "Fonticons, Inc. (Dave Gandy)", url: "https://github.com/FortAwesome/Font-Awesome" },
    ["solid icon", "Font Awesome icon", "glyph"]),
  icon("game-icons", "game-icons", "game-icons.net", "@iconify-json/game-icons", "iconify", "game-icons",
    { license: "CC-BY-3.0", author: "game-icons.net (Lorc, Delapouite and contributors)", url: "https://github.com/game-icons/icons" },
    ["game icon", "silhouette icon", "detailed glyph"]),
  icon("healthicons", "healthicons", "Health Icons", "@iconify-json/healthicons", "iconify", "healthicons",
    { license: "MIT", author: "Resolve to Save Lives", url: "https://github.com/resolvetosavelives/healthicons" },
    ["health icon", "medical icon", "pictogram"]),
  icon("carbon", "carbon", "Carbon Icons", "@iconify-json/carbon", "iconify", "carbon",
    { license: "Apache-2.0", author: "IBM", url: "https://github.com/carbon-design-system/carbon" },
    ["line icon", "Carbon icon", "thin UI icon"]),
  icon("ri", "ri", "Remix Icon", "@iconify-json/ri", "iconify", "ri",
    { license: "Apache-2.0", author: "Remix Design", url: "https://github.com/Remix-Design/RemixIcon" },
    ["Remix icon", "line icon", "UI icon"]),
  icon("pixelarticons", "pixelarticons", "Pixelarticons", "@iconify-json/pixelarticons", "iconify", "pixelarticons",
    { license: "MIT", author: "Gerrit Halfmann", url: "https://github.com/halfmage/pixelarticons" },
    ["pixel-art icon", "8-bit icon", "pixel icon"]),
  icon("icon-park", "icon-park", "IconPark (colour)", "@iconify-json/icon-park", "iconify", "icon-park", iconPark,
    ["two-colour icon", "IconPark icon", "coloured line icon"], { format: "rgba" }),
  icon("icon-park-outline", "icon-park", "IconPark (outline)", "@iconify-json/icon-park-outline", "iconify", "icon-park-outline",
    iconPark, ["outline icon", "line icon", "IconPark outline icon"]),
  icon("icon-park-solid", "icon-park", "IconPark (solid)", "@iconify-json/icon-park-solid", "iconify", "icon-park-solid",
    iconPark, ["solid icon", "filled icon", "IconPark solid icon"]),
  icon("icon-park-twotone", "icon-park", "IconPark (two-tone)", "@iconify-json/icon-park-twotone", "iconify",
    "icon-park-twotone", iconPark, ["two-tone icon", "grey and black icon", "IconPark two-tone icon"]),
  icon("lucide", "lucide", "Lucide", "@iconify-json/lucide", "iconify", "lucide",
    { license: "ISC", author: "Lucide Contributors (and Cole Bemis, Feather, MIT)", url: "https://github.com/lucide-icons/lucide" },
    ["line icon", "Lucide icon", "stroke icon"], { inCorpus: false }),
  icon("tabler-outline", "tabler", "Tabler Icons (outline)", "@tabler/icons", "svg-files", "icons/outline",
    { license: "MIT", author: "Paweł Kuna", url: "https://github.com/tabler/tabler-icons" },
    ["outline icon", "Tabler icon", "stroke icon"], { inCorpus: false }),
  icon("tabler-filled", "tabler", "Tabler Icons (filled)", "@tabler/icons", "svg-files", "icons/filled",
    { license: "MIT", author: "Paweł Kuna", url: "https://github.com/tabler/tabler-icons" },
    ["filled icon", "solid Tabler icon", "glyph"], { inCorpus: false }),
];

export const ALL_SOURCES: readonly SourceSpec[] = [...EMOJI_SOURCES, ...ICON_SOURCES];

export function sourceById(id: string): SourceSpec | undefined {
  return ALL_SOURCES.find((source) => source.id === id);
}
