import { isAbsolute, relative, resolve } from 'node:path';

/**
 * `training.outputName` becomes sd-scripts' `output_name`, which it joins onto `output_dir` as it is: a name
 * with a path separator or `..` would save the checkpoints (and the run files named after it) somewhere else,
 * e.g. `../../../x` above the training folder. Returns the message refusing it, or undefined for a plain name.
 */
export function outputNameProblem(name: string): string | undefined {
	const trimmed = name.trim();
	if (trimmed === '') {
		return undefined; // the trigger word is used
	}
	if (/[/\\]/.test(trimmed) || trimmed === '.' || trimmed === '..' || trimmed.includes('..') || /[\u0000-\u001f]/.test(trimmed)) {
		return `training.outputName "${trimmed.replace(/[\u0000-\u001f]/g, '?')}" is not a plain file name: sd-scripts would save the checkpoints outside the output folder. Use a name without "/", "\\", ".." or control characters (e.g. "mylora"); the folder is set by training.outputDir.`;
	}
	return undefined;
}

/** A warning when `training.outputDir` puts checkpoints outside the training folder (allowed, but worth saying). */
export function outputDirWarning(root: string, outputDir: string): string | undefined {
	const resolved = isAbsolute(outputDir) ? outputDir : resolve(root, outputDir);
	const rel = relative(resolve(root), resolved);
	if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
		return undefined;
	}
	return `training.outputDir "${outputDir}" is outside the training folder: checkpoints and run files go to ${resolved}, where the Checkpoints view of this folder does not look. Use a folder inside it (the guide uses "model") unless that is what you want.`;
}
