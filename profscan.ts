import { scanTrainingFolder } from './src/core/dataset';
async function main() {
	for (let i = 0; i < 6; i++) {
		const t0 = performance.now();
		await scanTrainingFolder('/tmp/lw-bench-lint-AABwRn', { bucketPreview: false });
		console.log((performance.now()-t0).toFixed(0));
	}
}
main();
