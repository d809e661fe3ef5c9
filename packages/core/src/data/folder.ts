/**
 * A user's image-folder dataset: root/<class>/<image>.{jpg,png,webp}. Every image is decoded once when the
 * dataset is opened; unreadable files are reported by path and skipped. A missing folder, a folder without
 * class sub-folders, or a class without readable images is a coded error before any training starts.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { createDataset, type ClassificationDataset } from "./dataset.js";
import { decodeImageFile, findUnreadable, isImageFile, placeholderImage, type DecodeOptions, type SkippedImage } from "./decode.js";
import { dataErrors } from "./errors.js";

export interface ImageFolderOptions extends DecodeOptions {
  /** Dataset name (default: the folder's name). */
  readonly name?: string;
  /** Called once per unreadable image (at open time, or if a file breaks later). */
  readonly onSkip?: (skipped: SkippedImage) => void;
}

export interface ImageFolderDataset extends ClassificationDataset {
  /** Unreadable images found when the dataset was opened. */
  readonly skipped: readonly SkippedImage[];
  /** The image file of an item. */
  path(index: number): string;
}

function listDir(dir: string): string[] {
  return readdirSync(dir).filter((name) => !name.startsWith(".")).sort();
}

export async function loadImageFolder(root: string, options: ImageFolderOptions = {}): Promise<ImageFolderDataset> {
  const dir = resolve(root);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw dataErrors.make("VLP_DATA_FOLDER_MISSING", `image folder ${dir} does not exist or is not a folder`);
  }
  const classes = listDir(dir).filter((name) => statSync(join(dir, name)).isDirectory());
  if (classes.length === 0) throw dataErrors.make("VLP_DATA_NO_CLASSES", `${dir} has no class sub-folders`);
  const candidates = classes.map((name) => listDir(join(dir, name)).filter(isImageFile).map((file) => join(dir, name, file)));
  const skipped = await findUnreadable(candidates.flat(), options);
  skipped.forEach((s) => options.onSkip?.(s));
  const bad = new Set(skipped.map((s) => s.path));
  const files = candidates.map((list) => list.filter((path) => !bad.has(path)));
  const empty = classes.filter((_, c) => files[c]!.length === 0);
  if (empty.length > 0) {
    throw dataErrors.make("VLP_DATA_EMPTY_CLASS",
      `${dir}: class folder(s) ${empty.map((e) => `"${e}"`).join(", ")} hold no readable jpg, png or webp images`);
  }
  const paths = files.flat();
  const labels = files.flatMap((list, c) => list.map(() => c));
  const broken = new Set<string>();
  const dataset = createDataset({
    name: options.name ?? basename(dir),
    classInfo: classes.map((name, order) => ({ name: name.replace(/[_-]+/g, " "), order, keys: [name] })),
    items: {
      size: paths.length,
      label: (i) => labels[i]!,
      itemId: (i) => paths[i]!,
      itemDomain: () => undefined,
      image: async (i) => {
        try {
          return await decodeImageFile(paths[i]!, options);
        } catch (error) {
          if (!broken.has(paths[i]!)) {
            broken.add(paths[i]!);
            options.onSkip?.({ path: paths[i]!, reason: error instanceof Error ? error.message : String(error) });
          }
          return placeholderImage();
        }
      },
    },
  });
  return Object.assign(Object.create(dataset) as ClassificationDataset, {
    skipped,
    path: (index: number) => dataset.itemId(index),
  }) as ImageFolderDataset;
}
