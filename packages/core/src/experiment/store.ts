/**
 * The results store: results.jsonl in the output directory, one JSON line per finished run.
 *
 * Durability choice: every write replaces the whole file atomically (write a temporary file, fsync it,
 * rename it over results.jsonl, fsync the folder). A reader therefore never sees a torn line, and a
 * process killed at any instant leaves either the old or the new file, so at most the run in progress is
 * lost. The file is small (one line per run), so rewriting it is cheap. Lines that do not parse (a hand
 * edit) are kept verbatim and reported, never dropped. A lock file keeps two processes from writing the
 * same directory at once.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { experimentErrors } from "./errors.js";
import type { RunRecord } from "./types.js";

export const RESULTS_FILE = "results.jsonl";
export const META_FILE = "meta-jobs.jsonl";
export const LOCK_FILE = ".vlprompt.lock";

/** One line of meta-jobs.jsonl. */
export interface MetaRecord {
  readonly v: 1;
  readonly id: string;
  readonly finishedAt: string;
  readonly checkpointPath: string;
  readonly wallTimeMs: number;
}

/** Write `text` to `path` so that readers see the old content or the new, never a mix. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(temporary, "w");
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await syncFolder(join(path, ".."));
}

async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot fsync a folder; the rename is still atomic there.
  }
}

interface ParsedLines<T> {
  readonly lines: string[];
  readonly byId: Map<string, { record: T; line: number }>;
  readonly corruptLines: number[];
}

function parseLines<T extends { id: string }>(text: string, isRecord: (value: unknown) => value is T): ParsedLines<T> {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const byId = new Map<string, { record: T; line: number }>();
  const corruptLines: number[] = [];
  lines.forEach((line, index) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (isRecord(value)) byId.set(value.id, { record: value, line: index });
    else corruptLines.push(index + 1);
  });
  return { lines, byId, corruptLines };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

export function isRunRecord(value: unknown): value is RunRecord {
  return (
    isObject(value) &&
    value.v === 1 &&
    typeof value.id === "string" &&
    (value.status === "done" ? isObject(value.result) : value.status === "failed") &&
    isObject(value.spec)
  );
}

function isMetaRecord(value: unknown): value is MetaRecord {
  return isObject(value) && value.v === 1 && typeof value.id === "string" && typeof value.checkpointPath === "string";
}

/** One JSONL file of records keyed by id; `put` replaces a record with the same id. */
class JsonlTable<T extends { id: string }> {
  private constructor(
    private readonly path: string,
    private readonly parsed: ParsedLines<T>,
  ) {}

  static async load<T extends { id: string }>(path: string, isRecord: (value: unknown) => value is T) {
    const text = existsSync(path) ? await readFile(path, "utf8") : "";
    return new JsonlTable<T>(path, parseLines(text, isRecord));
  }

  get corruptLines(): readonly number[] {
    return this.parsed.corruptLines;
  }

  get(id: string): T | undefined {
    return this.parsed.byId.get(id)?.record;
  }

  all(): T[] {
    return [...this.parsed.byId.values()].sort((a, b) => a.line - b.line).map((entry) => entry.record);
  }

  async put(record: T): Promise<void> {
    const text = JSON.stringify(record);
    const known = this.parsed.byId.get(record.id);
    const lines = [...this.parsed.lines];
    const line = known ? known.line : lines.length;
    lines[line] = text;
    await writeFileAtomic(this.path, lines.join("\n") + "\n");
    this.parsed.lines.splice(0, this.parsed.lines.length, ...lines);
    this.parsed.byId.set(record.id, { record, line });
  }
}

/** Read-only view of a run directory's results, for reports. */
export function readResults(dir: string): { records: RunRecord[]; corruptLines: number[] } {
  const path = join(dir, RESULTS_FILE);
  if (!existsSync(path)) throw experimentErrors.make("VLP_RESULTS_NOT_FOUND", `no ${RESULTS_FILE} in ${dir}`);
  const parsed = parseLines(readFileSync(path, "utf8"), isRunRecord);
  const records = [...parsed.byId.values()].sort((a, b) => a.line - b.line).map((entry) => entry.record);
  return { records, corruptLines: parsed.corruptLines };
}

async function acquireLock(dir: string): Promise<string> {
  const path = join(dir, LOCK_FILE);
  const owner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, JSON.stringify(owner), { flag: "wx" });
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readLockHolder(path);
      if (holder && holder.host === owner.host && !processAlive(holder.pid)) {
        await rm(path, { force: true });
        continue;
      }
      throw experimentErrors.make(
        "VLP_RUN_LOCKED",
        `${dir} is in use by process ${holder?.pid ?? "?"} on ${holder?.host ?? "?"} (lock file ${path})`,
      );
    }
  }
  throw experimentErrors.make("VLP_RUN_LOCKED", `could not take the lock ${path}`);
}

function readLockHolder(path: string): { pid: number; host: string } | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (isObject(value) && typeof value.pid === "number" && typeof value.host === "string") {
      return { pid: value.pid, host: value.host };
    }
  } catch {
    // An empty or half-written lock file: treat the holder as unknown (and therefore alive).
  }
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The writable store of one output directory; holds the directory's lock until `close`. */
export class ResultsStore {
  private constructor(
    readonly dir: string,
    private readonly runs: JsonlTable<RunRecord>,
    private readonly meta: JsonlTable<MetaRecord>,
    private readonly lockPath: string | null,
  ) {}

  static async open(dir: string): Promise<ResultsStore> {
    await mkdir(dir, { recursive: true });
    const lockPath = await acquireLock(dir);
    try {
      const runs = await JsonlTable.load(join(dir, RESULTS_FILE), isRunRecord);
      const meta = await JsonlTable.load(join(dir, META_FILE), isMetaRecord);
      return new ResultsStore(dir, runs, meta, lockPath);
    } catch (error) {
      await rm(lockPath, { force: true });
      throw error;
    }
  }

  /**
   * Read-only view of `dir` (possibly not existing yet): no folder is made and no lock is taken, so it works beside
   * a grid that is running; `put`/`putMeta` must not be called on it.
   */
  static async peek(dir: string): Promise<ResultsStore> {
    const runs = await JsonlTable.load(join(dir, RESULTS_FILE), isRunRecord);
    const meta = await JsonlTable.load(join(dir, META_FILE), isMetaRecord);
    return new ResultsStore(dir, runs, meta, null);
  }

  /** 1-based numbers of results.jsonl lines that could not be read (kept in the file, ignored here). */
  get corruptLines(): readonly number[] {
    return this.runs.corruptLines;
  }

  isFinished(id: string): boolean {
    return this.runs.get(id)?.status === "done";
  }

  records(): RunRecord[] {
    return this.runs.all();
  }

  put(record: RunRecord): Promise<void> {
    return this.runs.put(record);
  }

  /** The meta-checkpoint of a finished job, when its file still exists. */
  metaCheckpoint(id: string): string | undefined {
    const record = this.meta.get(id);
    return record && existsSync(record.checkpointPath) ? record.checkpointPath : undefined;
  }

  putMeta(record: MetaRecord): Promise<void> {
    return this.meta.put(record);
  }

  async close(): Promise<void> {
    if (this.lockPath) await rm(this.lockPath, { force: true });
  }
}
