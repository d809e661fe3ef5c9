// Public surface of src/data: datasets, corpora, splits, protocols, transforms, the cache and user data.
export { dataErrors } from "./errors.js";
export type { RgbImage, ImageSource, PixelFormat, Rgb } from "./image.js";
export { PackedImages, compositeOver, solidImage, WHITE } from "./image.js";
export { resizeImage, cropImage, flipHorizontal, type ResampleFilter, type Box } from "./resample.js";
export {
  CLIP_MEAN, CLIP_STD, clipPreprocess, augment, augmentImage, randomResizedCropBox, resizeShorterSide, centreCrop,
  batchToTensor, type ImageBatch, type PreprocessOptions, type AugmentOptions,
} from "./transforms.js";
export {
  createDataset, loadImages, indicesByClass, classCounts,
  type ClassificationDataset, type ClassInfo, type DatasetItems, type DatasetInit,
} from "./dataset.js";
export {
  fewShot, baseNewSplit, FEW_SHOT_SHOTS, FEW_SHOT_SEEDS,
  type FewShotOptions, type BaseNewSplit, type BaseNewOptions,
} from "./splits.js";
export { BUILTIN_DATASET_NAMES, type BuiltinDatasetName, type DatasetFile, type DatasetClass } from "./dataset-files.js";
export { builtinDatasets, crossDataset, crossDomain, type BuiltinDatasetInfo, type CrossDomainTarget } from "./protocols.js";
export { loadDataset, datasetDefinition, openDataset, selectStyles, cacheLayout, type LoadDatasetOptions, type Split } from "./builtin.js";
export { renderScene } from "./scene.js";
export {
  loadCorpus, splitCorpus, corpusFromStore, benchmarkCells, allowedInCorpus,
  type ImageTextCorpus, type BenchmarkCells,
} from "./corpus.js";
export { makeCaption, captionTemplates, type CaptionFields } from "./captions.js";
export { prepareCache, sourcesForDatasets, formatPrepareReport, CACHE_RESOLUTION, type PrepareOptions, type PrepareProgress, type PrepareResult } from "./prepare.js";
export { resolveCacheDir } from "./paths.js";
export {
  EMOJI_SOURCES, ICON_SOURCES, ALL_SOURCES, BENCHMARK_STYLES, PRETRAIN_STYLES, sourceById, type SourceSpec,
} from "./sources.js";
export { ImageStore, type SourceIndex } from "./store.js";
export { loadImageFolder, type ImageFolderDataset, type ImageFolderOptions } from "./folder.js";
export { loadImagePairs, readPairsFile, parseCsv, type ImagePair, type ImagePairsCorpus, type ImagePairsOptions } from "./pairs.js";
export { decodeImageFile, IMAGE_EXTENSIONS, type SkippedImage } from "./decode.js";
export { parseIdx } from "./fashion-mnist.js";
export { loadFixtureDataset, loadFixtureCorpus, type FixtureKind, type FixtureDatasetOptions } from "./fixture.js";
