// Types of scripts/vsixBinaries.mjs for TypeScript callers (test/unit/packages.test.ts).
export interface BinaryKind {
	os: 'win32' | 'darwin' | 'linux';
	/** 'x64', 'arm64'... (several only for a Mach-O universal binary). */
	archs: string[];
}

export const NATIVE_NAME: RegExp;
export const ONNX_MISSING: string[];
export function binaryKind(bytes: Buffer): BinaryKind | undefined;
export function zipEntries(zip: Buffer): Array<{ name: string; read(): Buffer }>;
export function checkVsix(vsix: string | Buffer, target: string): { problems: string[]; natives: Array<BinaryKind & { name: string }> };
