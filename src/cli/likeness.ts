import { relative, resolve } from 'node:path';
import { CliCommand, UsageError, booleanFlag } from './args';
import { isDirectory } from '../core/dataset';
import { defaultModelCacheDir } from '../core/images/modelCache';
import { faceModelFromFlags } from './faceModelFlag';
import { defaultLikenessCacheDir } from '../core/likeness/faces';
import { FolderLikeness, LikenessInputError, folderLikeness } from '../core/likeness/likeness';
import { poseSpread, poseSpreadLine } from '../core/likeness/poseSpread';
import { countOf } from '../core/plural';
import { defaultThumbnailCacheDir } from '../core/thumbnails';

export const likenessCommand: CliCommand = {
	name: 'likeness',
	summary: 'who is in each picture, from which angle, and which epoch\'s samples look most like them',
	usage: [
		'Usage: lora-workbench likeness <folder> [--json] [--face-model <onnx>] [--download-model]',
		'       lora-workbench likeness <folder> --samples [dir] [--json]',
		'',
		'Embeds every face of the training folder with a face-recognition model (face-api\'s descriptor net, MIT,',
		'bundled) and compares it with the person: the reference pictures in lora-workbench.yaml',
		'(likeness: reference: [a.jpg, ...]) or else the dataset\'s own centre. Reports wrong-person (another',
		'person), identity-unsure, other-people with each face\'s distance, and the head pose spread with the',
		'angles no picture shows. Distances: under 0.50 the same person, 0.60 or more someone else',
		'(likeness: thresholds: {unsure, wrong} in lora-workbench.yaml).',
		'  --samples [dir]    score sample images per epoch instead: dir defaults to <folder>/model/sample; file names',
		'                     carry the epoch as sd-scripts writes them (name_e000003_00_<timestamp>.png).',
		'                     Prints likeness per epoch (median and quartiles), samples without a face or with',
		'                     several, copying (a sample nearly identical to a training picture), and a recommended epoch.',
		'  --json             print the report as JSON',
		'  --face-model FILE  YuNet ONNX model (yunet_n_dynamic.onnx); default: the cached download, if any',
		`  --download-model   download the pinned model into ${defaultModelCacheDir()} first (checked by SHA-256)`,
		'Embeddings are cached per image content beside the thumbnail cache, so a re-run is fast.',
		'Exit code 1 when a wrong-person picture is found (dataset report); 0 for the samples report.',
	].join('\n'),
	flags: { 'json': { type: 'boolean' }, 'samples': { type: 'boolean' }, 'face-model': { type: 'string' }, 'download-model': { type: 'boolean' } },
	async run(args, io) {
		const samplesMode = booleanFlag(args, 'samples');
		// `--samples` takes an optional folder: the strict parser sees it as a second positional.
		if (args.positionals.length === 0 || args.positionals.length > (samplesMode ? 2 : 1)) {
			throw new UsageError(samplesMode ? 'give one training folder, and optionally the sample folder after --samples' : 'give one folder');
		}
		const folder = resolve(io.cwd, args.positionals[0]);
		if (!(await isDirectory(folder))) {
			throw new UsageError(`${folder} is not a folder`);
		}
		const faceModelPath = await faceModelFromFlags(args, io.cwd);
		const samples = samplesMode ? (args.positionals[1] !== undefined ? resolve(io.cwd, args.positionals[1]) : true) : undefined;
		let report: FolderLikeness;
		try {
			report = await folderLikeness(folder, { cacheDir: defaultLikenessCacheDir(defaultThumbnailCacheDir()), faceModelPath }, samples);
		} catch (err) {
			if (err instanceof LikenessInputError) {
				io.err(err.message);
				return 1;
			}
			throw err;
		}
		const rel = (file: string) => relative(folder, file) || file;
		const json = booleanFlag(args, 'json');
		if (samplesMode) {
			const epochs = report.epochs!;
			if (json) {
				io.out(JSON.stringify({
					sampleDir: report.sampleDir, reference: referenceJson(report), epochs: epochs.epochs.map((e) => ({ ...e, samples: e.samples.map((s) => ({ ...s, file: rel(s.file), copies: s.copies && rel(s.copies) })) })),
					recommendation: epochs.recommendation, notes: [...report.identity.referenceNotes, ...epochs.notes],
				}, null, 2));
			} else {
				const lines = [...report.identity.referenceNotes, ...epochs.notes].map((n) => `note: ${n}`);
				lines.push(`Samples in ${report.sampleDir}, compared with ${referenceText(report)}; face distance: lower is more alike, under ${report.identity.thresholds.unsure.toFixed(2)} is the person.`);
				lines.push(epochTable(report));
				lines.push(epochs.recommendation ? `Recommended: ${epochs.recommendation.reason}` : 'No recommendation: no sample face could be scored.');
				io.out(lines.join('\n'));
			}
			return 0;
		}
		const { identity } = report;
		const spread = poseSpread(report.pictures, (p) => identity.pictures.find((v) => v.file === p.file)?.person);
		if (json) {
			io.out(JSON.stringify({
				reference: referenceJson(report), thresholds: identity.thresholds, notes: identity.referenceNotes,
				pictures: identity.pictures.map((p) => ({ ...p, file: rel(p.file) })),
				problems: identity.problems.map((p) => ({ ...p, file: rel(p.file) })),
				pose: { turn: spread.turn, tilt: spread.tilt, missing: spread.missing, poses: spread.poses.map((p) => ({ file: rel(p.file), ...p.pose })) },
			}, null, 2));
		} else {
			const lines = identity.referenceNotes.map((n) => `note: ${n}`);
			lines.push(...identity.problems.map((p) => `${rel(p.file)}: ${p.severity} ${p.code}: ${p.message}`));
			const count = (v: string) => identity.pictures.filter((p) => p.verdict === v).length;
			lines.push(`Reference: ${referenceText(report)}.`);
			lines.push(`${countOf(identity.pictures.length, 'picture')}: ${count('same')} the person, ${count('unsure')} unsure, ${count('wrong')} someone else, ${count('no-face')} without a usable face${count('unreadable') ? `, ${count('unreadable')} unreadable` : ''}.`);
			lines.push(`Pose: ${poseSpreadLine(spread)}.${spread.missing.length ? ` Missing: ${spread.missing.join('; ')}.` : ''}`);
			io.out(lines.join('\n'));
		}
		return identity.problems.some((p) => p.code === 'wrong-person') ? 1 : 0;
	},
};

function referenceText(report: FolderLikeness): string {
	const ref = report.identity.reference;
	if (!ref) {
		return 'nobody (no face was found to compare with)';
	}
	return ref.source === 'user' ? `your reference pictures (${countOf(ref.faces, 'face')})` : `the dataset's own faces (${countOf(ref.faces, 'picture')} agree)`;
}

function referenceJson(report: FolderLikeness): { source: string; faces: number } | null {
	const ref = report.identity.reference;
	return ref ? { source: ref.source, faces: ref.faces } : null;
}

function epochTable(report: FolderLikeness): string {
	const header = ['epoch', 'samples', 'median', 'q1-q3', 'min-max', 'alike', 'no face', 'several', 'copying'];
	const pct = (v: number) => `${Math.round(v * 100)}%`;
	const rows = report.epochs!.epochs.map((e) => {
		const marked = report.epochs!.recommendation?.key === e.key ? `${e.label} *` : e.label;
		return e.spread
			? [marked, String(e.samples.length), e.spread.median.toFixed(2), `${e.spread.q1.toFixed(2)}-${e.spread.q3.toFixed(2)}`, `${e.spread.min.toFixed(2)}-${e.spread.max.toFixed(2)}`, pct(e.alike), pct(e.noFace), pct(e.severalFaces), pct(e.copying)]
			: [marked, String(e.samples.length), '-', '-', '-', pct(e.alike), pct(e.noFace), pct(e.severalFaces), pct(e.copying)];
	});
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
	return [line(header), ...rows.map(line)].join('\n');
}

