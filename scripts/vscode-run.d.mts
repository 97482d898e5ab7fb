// Types of scripts/vscode-run.mjs for TypeScript callers (bench/vscode.bench.ts).
export interface VscodeSuiteOptions {
	/** Folder under out/test with the compiled suite's index.js, e.g. 'integration' or 'benchvscode'. */
	suite: string;
	grep?: string;
	/** File the bench tier writes its figures to (LORA_BENCH_OUT inside the extension host). */
	benchOut?: string;
	/** Print the test lines only when something failed. */
	quiet?: boolean;
}

export function runVscodeSuite(options: VscodeSuiteOptions): Promise<{ passed: number; failed: number }>;
