/**
 * What a scan of a training folder produces (dataset.ts): the folder, its subsets, images and problems. Types only,
 * in a module of their own so that the scan's helpers (checks, roles, leftovers) can name them without importing
 * the scan itself.
 */
import type { BucketPlacement } from './bucketPreview';
import type { CUT_TAGS, CaptionWithTags } from './datasetCaptionTags';
import type { ImageSize } from './datasetImageSize';
import type { SubsetRole, TrainingSettings, WorkbenchSettings } from './settings';
import type { StepReport } from './steps';

export interface GuideCheck {
	code: 'total-steps' | 'face-body-ratio' | 'face-images' | 'body-images' | 'trigger-prefix';
	ok: boolean;
	/** One line with the found value and the guide's expectation. */
	message: string;
	/** The subset the check is about, for `trigger-prefix`. */
	subsetDir?: string;
}

export interface DatasetProblem {
	severity: 'error' | 'warning' | 'info';
	/** Stable code, e.g. `no-images-dir`, `empty-caption`. */
	code: string;
	message: string;
	/** The file or folder the problem is about. */
	path?: string;
}

export interface DatasetImage {
	path: string;
	name: string;
	/** The caption sd-scripts reads, or where it would be (`<stem><captionExtension>`) when there is none. */
	captionPath: string;
	hasCaption: boolean;
	/** The first line, stripped (what sd-scripts trains on); undefined without a readable caption. */
	caption?: string;
	tagCount?: number;
	/** Lines with text; sd-scripts uses only the first. */
	captionLineCount?: number;
	captionProblem?: 'empty' | 'not-utf8' | 'unreadable';
	/** [width, height] of the file (read by every scan for the bucket preview; undefined when unreadable). */
	size?: ImageSize;
	/** The bucket sd-scripts puts it in and the part it keeps (bucketPreview.ts). */
	bucket?: BucketPlacement;
	/** Its caption's tags once cut (datasetCaptionTags.ts); a symbol key, so JSON and messages leave it out. */
	[CUT_TAGS]?: CaptionWithTags;
}

export interface Subset {
	/** Folder name, e.g. `24_3mm4w4ts0n woman`. */
	name: string;
	/** Key in `lora-workbench.yaml` `subsets:`: `images/<name>` or `reg/<name>`. */
	key: string;
	dir: string;
	repeats: number;
	classTokens: string;
	isReg: boolean;
	role: SubsetRole;
	roleSource: 'settings' | 'guess';
	images: DatasetImage[];
	/** Caption files with no image beside them. */
	orphanCaptions: string[];
	problems: DatasetProblem[];
}

export interface TrainingFolder {
	root: string;
	settings: WorkbenchSettings;
	settingsFileExists: boolean;
	/** From the settings file, else the first word of the subsets' class tokens. */
	trigger: string | undefined;
	classWord: string | undefined;
	triggerSource: 'settings' | 'subsets' | 'none';
	/** The training settings in effect (file + overrides). */
	training: TrainingSettings;
	subsets: Subset[];
	/** Folder-level problems and every subset's problems, errors first. */
	warnings: DatasetProblem[];
	/** Undefined when the numbers cannot be computed (no images, unreadable sizes with buckets on). */
	steps?: StepReport;
	checks: GuideCheck[];
	/** Problems found while listing the folder itself (not inside a subset). */
	folderProblems: DatasetProblem[];
	imagesDir: string;
	regDir: string;
	modelDir: string;
	logDir: string;
}
