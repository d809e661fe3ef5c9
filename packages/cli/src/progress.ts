/**
 * Progress of `vlprompt run`: on a terminal, two bars (the grid with its ETA, and the run in progress with
 * its epoch and loss); in a log (not a terminal), one line per finished run with the same ETA. Nothing in
 * --json or --quiet.
 */
import cliProgress, { type MultiBar, type SingleBar } from "cli-progress";
import type { RunEvent, RunSpec } from "@vlprompt/core";
import type { Output } from "./output.js";

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

const describe = (spec: RunSpec) => `${spec.entryId} ${spec.dataset} ${spec.shots}-shot seed ${spec.seed}`;

/** Estimated time left: the mean duration of the runs finished in this session times the runs left. */
class Eta {
  private readonly durations: number[] = [];
  private started = Date.now();

  start(): void {
    this.started = Date.now();
  }

  finish(): void {
    this.durations.push(Date.now() - this.started);
  }

  left(remaining: number, currentFraction = 0): string {
    if (this.durations.length === 0) return "?";
    const mean = this.durations.reduce((a, b) => a + b, 0) / this.durations.length;
    return formatDuration(mean * Math.max(0, remaining - currentFraction));
  }
}

export class RunProgressView {
  private total = 0;
  private finished = 0;
  private readonly eta = new Eta();
  private bars?: { multi: MultiBar; grid: SingleBar; run: SingleBar };

  constructor(private readonly output: Output) {}

  private get silent(): boolean {
    return this.output.mode.json || this.output.mode.quiet;
  }

  private startBars(): void {
    const multi = new cliProgress.MultiBar({
      stream: this.output.io.errStream ?? process.stderr,
      format: "{label} |{bar}| {detail}",
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
      barsize: 30,
    });
    const grid = multi.create(this.total, 0, { label: "grid", detail: `0/${this.total} runs, ETA ?` });
    const run = multi.create(1, 0, { label: "run ", detail: "" });
    this.bars = { multi, grid, run };
  }

  readonly onEvent = (event: RunEvent): void => {
    if (this.silent) return;
    switch (event.type) {
      case "plan":
        this.total = event.toRun.length;
        this.output.say(
          `${event.plan.runs.length} runs planned, ${event.skipped} already finished, ${event.toRun.length} to run` +
            (event.metaToRun > 0 ? `, ${event.metaToRun} meta-training job(s) first` : ""),
        );
        if (this.output.io.interactive && this.total > 0) this.startBars();
        return;
      case "run-start":
        this.eta.start();
        this.bars?.run.update(0, { detail: describe(event.spec) });
        return;
      case "run-progress":
      case "meta-progress": {
        const { epoch, epochs, step, steps, loss, phase } = event.progress;
        const [done, of] = epochs ? [epoch ?? 0, epochs] : [step ?? 0, steps ?? 1];
        const label = event.type === "meta-progress" ? `meta ${event.job.method}` : describe(event.spec);
        const detail = `${label} ${phase}${epochs ? ` epoch ${epoch}/${epochs}` : ""}${loss !== undefined ? ` loss ${loss.toFixed(4)}` : ""}`;
        this.bars?.run.setTotal(Math.max(1, of));
        this.bars?.run.update(done, { detail });
        if (event.type === "run-progress") {
          this.bars?.grid.update(this.finished + done / Math.max(1, of), {
            detail: `${this.finished}/${this.total} runs, ETA ${this.eta.left(this.total - this.finished, done / Math.max(1, of))}`,
          });
        }
        return;
      }
      default:
        this.onOutcome(event);
    }
  };

  private onOutcome(event: RunEvent): void {
    const line = (text: string) => (this.bars ? this.bars.multi.log(`${text}\n`) : this.output.io.stderr(`${text}\n`));
    if (event.type === "meta-start") line(`meta-training ${event.job.method} (job ${event.index + 1}/${event.total}, used by ${event.job.usedBy.join(", ")})`);
    if (event.type === "meta-failed") line(`meta-training ${event.job.method} FAILED: ${event.error.message.split("\n")[0]}`);
    if (event.type === "warning") line(`warning: ${event.message}`);
    if (event.type !== "run-done" && event.type !== "run-failed") return;
    this.finished++;
    this.eta.finish();
    const outcome = event.type === "run-done" ? `${(event.result.accuracy * 100).toFixed(2)}%` : `FAILED: ${event.error.message.split("\n")[0]}`;
    const eta = this.eta.left(this.total - this.finished);
    if (this.bars) {
      this.bars.run.update(this.bars.run.getTotal());
      this.bars.grid.update(this.finished, { detail: `${this.finished}/${this.total} runs, ETA ${eta}` });
      if (event.type === "run-failed") line(`${describe(event.spec)}: ${outcome}`);
    } else {
      line(`[${this.finished}/${this.total}] ${describe(event.spec)}: ${outcome} (ETA ${eta})`);
    }
  }

  stop(): void {
    this.bars?.multi.stop();
    this.bars = undefined;
  }
}
