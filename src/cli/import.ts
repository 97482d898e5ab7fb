import { basename, extname, relative, resolve } from 'node:path';
import { CliCommand, UsageError, booleanFlag, stringFlag } from './args';
import { sweepStaleTempFiles } from '../core/atomicWrite';
import { scanTrainingFolder } from '../core/dataset';
import { FolderLockedError, withFolderLock } from '../core/folderLock';
import { proposeCrop } from '../core/images/cropProposal';
import { freeImageName, writeCrop } from '../core/images/cropOutput';
import { createFaceDetector, FaceDetector } from '../core/images/faceDetector';
import { faceModelFromFlags } from './faceModelFlag';
import { defaultThresholds } from '../core/images/options';
import { collectImportSources, describeImportDuplicate, findImportDuplicates, hashForImport, ImportHashes } from '../core/images/importSources';
import { parseTargetSize, targetSizeForRole, targetSizeProblem } from '../core/images/types';
import { trainingSideOf } from '../core/images/checkFolder';
import { countOf } from '../core/plural';

export const importCommand: CliCommand = {
	name: 'import',
	summary: 'crop images and whole folders of them into a subset, as the importer proposes, warning of near-duplicates',
	usage: [
		'Usage: lora-workbench import <training folder> <image or folder>... --subset <name> [--size WxH] [--allow-duplicates] [--face-model <onnx>]',
		'',
		'Writes the proposed crop of each image (folders are read recursively, images only) into the subset as PNG,',
		'under a free name (an existing image is never overwritten). The crop is the importer\'s proposal: 512x512 from',
		'the top of the hair to the neck for a face subset, 512x768 head to waist for a body subset, centred when no',
		'face is found. Sources are never modified.',
		'A source that looks like an image already in the subset, or like an earlier source (perceptual hash of the',
		'picture and of its crop, the image checks\' near-duplicate threshold), is skipped and named; exit 1 then.',
		'  --subset NAME        the subset folder (e.g. "10_fx7 woman"), or its part after the repeats when unique',
		'  --size WxH           crop size for a subset without a role (512x512 or 512x768)',
		'  --allow-duplicates   import near-duplicates too (still named)',
		'  --face-model FILE    YuNet ONNX model; default: the cached download, if any',
	].join('\n'),
	flags: { subset: { type: 'string' }, size: { type: 'string' }, 'allow-duplicates': { type: 'boolean' }, 'face-model': { type: 'string' } },
	async run(args, io) {
		if (args.positionals.length < 2) {
			throw new UsageError('give the training folder and at least one image or folder to import');
		}
		const subsetName = stringFlag(args, 'subset');
		if (!subsetName) {
			throw new UsageError('--subset is required (the subset folder\'s name, e.g. "10_fx7 woman")');
		}
		const root = resolve(io.cwd, args.positionals[0]);
		const folder = await scanTrainingFolder(root);
		const subsets = folder.subsets.filter((s) => !s.isReg);
		const subset = subsets.find((s) => s.name === subsetName) ?? onlyOne(subsets.filter((s) => s.name.slice(s.name.indexOf('_') + 1) === subsetName));
		if (!subset) {
			throw new UsageError(`${root} has no subset "${subsetName}"; its subsets: ${subsets.map((s) => `"${s.name}"`).join(', ') || 'none (create images/<repeats>_<class> first)'}`);
		}
		const sizeText = stringFlag(args, 'size');
		// Without --size, the subset's target at the folder's training side (1024 for SDXL and Flux.1, issue 18).
		const target = sizeText ? parseTargetSize(sizeText) : targetSizeForRole(subset.role, trainingSideOf(folder.training.resolution));
		if (!target) {
			throw new UsageError(sizeText ? targetSizeProblem(sizeText) : `${subset.name} has no role (face or body) in lora-workbench.yaml: give --size 512x512 or 512x768`);
		}
		const sources = await collectImportSources(args.positionals.slice(1).map((p) => resolve(io.cwd, p)));
		for (const problem of sources.problems) {
			io.err(`${problem.path}: ${problem.reason}`);
		}
		if (sources.ignored.length > 0) {
			io.err(`Left out ${countOf(sources.ignored.length, 'file')} that ${sources.ignored.length === 1 ? 'is' : 'are'} not an image, e.g. ${relative(io.cwd, sources.ignored[0])}.`);
		}
		if (sources.images.length === 0) {
			io.err('Nothing to import: no image among the sources.');
			return 1;
		}
		const modelPath = await faceModelFromFlags(args, io.cwd);
		if (!modelPath) {
			io.err('note: no face model (pass --face-model), so the crops are centred.');
		}
		const detector: FaceDetector | undefined = modelPath ? await createFaceDetector(modelPath) : undefined;
		let failed = 0;
		let skipped = 0;
		let written = 0;
		try {
			const maxPixels = defaultThresholds.maxPixels;
			const existing = (await Promise.all(subset.images.map((image) => hashForImport(image.path, maxPixels)))).filter((h): h is ImportHashes => h !== undefined);
			const boxes = new Map<string, ReturnType<typeof proposeCrop>>();
			const hashed: ImportHashes[] = [];
			for (const source of sources.images) {
				const hashes = await hashForImport(source, maxPixels, async (image, width, height) => {
					const faces = detector ? await detector.detect(image, defaultThresholds.faceScore) : [];
					const proposal = proposeCrop(width, height, target, faces);
					boxes.set(source, proposal);
					return proposal.box;
				});
				if (hashes) {
					hashed.push(hashes);
				} else {
					io.err(`${source}: cannot be read as an image; not imported.`);
					failed++;
				}
			}
			const duplicates = new Map(findImportDuplicates(hashed, existing, defaultThresholds.nearDuplicateDistance).map((d) => [d.source, d]));
			const allow = booleanFlag(args, 'allow-duplicates');
			await withFolderLock(root, 'lora-workbench import', async () => {
				await sweepStaleTempFiles([subset.dir]);
				for (const { file: source } of hashed) {
					const duplicate = duplicates.get(source);
					if (duplicate) {
						io.err(`${describeImportDuplicate(duplicate)}: ${allow ? 'imported anyway (--allow-duplicates)' : 'skipped (--allow-duplicates imports it)'}.`);
						if (!allow) {
							skipped++;
							continue;
						}
					}
					const proposal = boxes.get(source)!;
					try {
						const out = await freeImageName(subset.dir, basename(source, extname(source)), '.png');
						await writeCrop({ source, box: proposal.box, target, maxPixels }, out);
						written++;
						const basis = proposal.basis === 'face' ? 'on the face' : 'centred, no face found';
						io.out(`${relative(io.cwd, source)} -> ${relative(io.cwd, out)} (${target.width}x${target.height}, ${basis})`);
					} catch (err) {
						failed++;
						io.err(`${source}: ${err instanceof Error ? err.message : String(err)}; not imported.`);
					}
				}
			});
		} catch (err) {
			if (err instanceof FolderLockedError) {
				io.err(err.message);
				return 1;
			}
			throw err;
		} finally {
			await detector?.release();
		}
		const parts = [`${written} written`];
		if (skipped) {
			parts.push(`${skipped} skipped as near-duplicates`);
		}
		if (failed) {
			parts.push(`${failed} failed`);
		}
		io.out(`Imported into ${subset.name}: ${parts.join(', ')}.`);
		return skipped + failed + sources.problems.length > 0 ? 1 : 0;
	},
};

function onlyOne<T>(items: T[]): T | undefined {
	return items.length === 1 ? items[0] : undefined;
}
