export const KERNEL_SOURCE: string;
export const KERNEL_MODULE: string;
export function compileAreaResizeKernel(source: string): Promise<Uint8Array>;
