import * as tf from "@tensorflow/tfjs";

/**
 * WebGPU through Dawn in Node (the optional `webgpu` npm package plus @tensorflow/tfjs-backend-webgpu):
 * used only when both packages are installed and a GPU adapter exists. Measured facts in docs/backends.md.
 * Returns null on success, else one line saying why not.
 */
export async function tryWebGpu(): Promise<string | null> {
  let dawn: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    dawn = (await import("webgpu" as string)) as typeof dawn;
  } catch {
    return "webgpu skipped (the optional `webgpu` package is not installed)";
  }
  try {
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) return "webgpu skipped (no GPU adapter found)";
    const { WebGPUBackend } = (await import("@tensorflow/tfjs-backend-webgpu" as string)) as {
      WebGPUBackend: new (device: unknown, info?: unknown) => tf.KernelBackend;
    };
    const limits = adapter.limits;
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      },
    });
    tf.registerBackend("webgpu", () => new WebGPUBackend(device, (adapter as unknown as { info?: unknown }).info), 3);
    if (await tf.setBackend("webgpu")) return null;
    return "webgpu failed to initialise";
  } catch (error) {
    return `webgpu: ${String(error instanceof Error ? error.message : error).split("\n")[0]}`;
  }
}

interface GPU {
  requestAdapter(): Promise<GPUAdapterLike | null>;
}
interface GPUAdapterLike {
  limits: Record<string, number> & {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupStorageSize: number;
  };
  requestDevice(descriptor: unknown): Promise<unknown>;
}
