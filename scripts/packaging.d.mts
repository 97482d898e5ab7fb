// Types of scripts/packaging.mjs for TypeScript callers (test/unit/packages.test.ts).
export const root: string;
export const TARGETS: string[];
export function hostTarget(): string;
export function vsixName(target: string): string;
export function npmPlatformFlags(target: string): string[];
export function onnxIgnorePatterns(target: string): string[];
export function checkSharpBinaries(stage: string, target: string): void;
export function packageTarget(target: string, log?: (line: string) => void): Promise<string>;
