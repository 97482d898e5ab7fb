/**
 * sd-scripts' `ss_*` metadata (reference §8) in human terms. Every value in the file is a string
 * (`"None"`, `"True"`, JSON for nested data), so each field is decoded here, tolerantly.
 */

export interface MetadataField {
	label: string;
	value: string;
}

export interface TagFrequency {
	folder: string;
	tags: { tag: string; count: number }[];
}

export interface CheckpointSummary {
	fields: MetadataField[];
	tagFrequency: TagFrequency[];
	/** Keys that are not `ss_*`/`sshs_*`/`modelspec.*` are shown as they are. */
	otherKeys: MetadataField[];
	hasTrainingMetadata: boolean;
}

function present(value: string | undefined): value is string {
	return value !== undefined && value !== '' && value !== 'None' && value !== 'null';
}

function parseJson<T>(value: string | undefined): T | undefined {
	if (!present(value)) {
		return undefined;
	}
	try {
		return JSON.parse(value) as T;
	} catch {
		return undefined;
	}
}

export function formatDuration(seconds: number): string {
	if (!Number.isFinite(seconds) || seconds < 0) {
		return 'unknown';
	}
	const h = Math.floor(seconds / 3600);
	const m = Math.floor((seconds % 3600) / 60);
	const s = Math.round(seconds % 60);
	return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}

const BASE_MODEL_NAMES: Record<string, string> = {
	sd_v1: 'Stable Diffusion 1.x',
	sd_v2: 'Stable Diffusion 2.x (512)',
	sd_v2_v: 'Stable Diffusion 2.x (768, v-prediction)',
	sd_v1_v: 'Stable Diffusion 1.x (v-prediction)',
	// sd-scripts writes these (sdxl_model_util.MODEL_VERSION_SDXL_BASE_V1_0, flux_utils.MODEL_VERSION_FLUX_V1/_CHROMA).
	'sdxl_base_v1-0': 'SDXL 1.0',
	flux1: 'Flux.1',
	chroma: 'Chroma',
};

/** The model family a LoRA was trained for, from its ss_base_model_version (undefined: unknown or another). */
export function familyOfBaseModelVersion(version: string | undefined): 'sd15' | 'sdxl' | 'flux1' | undefined {
	return version === undefined ? undefined : /^sd_v[12]/.test(version) ? 'sd15' : version.startsWith('sdxl') ? 'sdxl' : version === 'flux1' ? 'flux1' : undefined;
}

export function summarizeMetadata(metadata: Record<string, string>): CheckpointSummary {
	const fields: MetadataField[] = [];
	const add = (label: string, value: string | undefined) => {
		if (present(value)) {
			fields.push({ label, value });
		}
	};
	const m = metadata;
	add('Title', m['modelspec.title']);
	add('Output name', m.ss_output_name);
	const base = m.ss_base_model_version;
	add('Base model', [present(base) ? BASE_MODEL_NAMES[base] ?? base : undefined, present(m.ss_sd_model_name) ? `(${m.ss_sd_model_name})` : undefined].filter(Boolean).join(' ') || undefined);
	add('Architecture', m['modelspec.architecture']);
	add('Network', m.ss_network_module);
	if (present(m.ss_network_dim) || present(m.ss_network_alpha)) {
		add('Rank / alpha', `${m.ss_network_dim ?? '?'} / ${m.ss_network_alpha ?? '?'}`);
	}
	const networkArgs = parseJson<Record<string, string>>(m.ss_network_args);
	if (networkArgs && Object.keys(networkArgs).length) {
		add('Network args', Object.entries(networkArgs).map(([k, v]) => `${k}=${v}`).join(', '));
	}
	if (present(m.ss_epoch) || present(m.ss_steps)) {
		add('Epoch / step', `${m.ss_epoch ?? '?'}${present(m.ss_num_epochs) ? ` of ${m.ss_num_epochs}` : ''} / ${m.ss_steps ?? '?'}${present(m.ss_max_train_steps) ? ` of ${m.ss_max_train_steps}` : ''}`);
	}
	add('Resolution', m.ss_resolution ?? m['modelspec.resolution']);
	add('Learning rate', m.ss_learning_rate);
	add('UNet learning rate', m.ss_unet_lr);
	add('Text encoder learning rate', m.ss_text_encoder_lr);
	add('Scheduler', present(m.ss_lr_scheduler) ? `${m.ss_lr_scheduler}${present(m.ss_lr_warmup_steps) && m.ss_lr_warmup_steps !== '0' ? `, ${m.ss_lr_warmup_steps} warmup steps` : ''}` : undefined);
	add('Optimizer', m.ss_optimizer);
	add('Mixed precision', m.ss_mixed_precision);
	const batch = m.ss_total_batch_size ?? m.ss_batch_size_per_device;
	add('Batch size', batch);
	add('Train images × repeats', m.ss_num_train_images);
	add('Regularisation images', m.ss_num_reg_images !== '0' ? m.ss_num_reg_images : undefined);
	const dirs = parseJson<Record<string, { n_repeats?: number; img_count?: number }>>(m.ss_dataset_dirs);
	if (dirs) {
		add('Folders', Object.entries(dirs).map(([dir, d]) => `${dir}: ${d.img_count ?? '?'} images × ${d.n_repeats ?? '?'}`).join('; '));
	}
	const started = Number(m.ss_training_started_at);
	const finished = Number(m.ss_training_finished_at);
	if (present(m.ss_training_started_at) && present(m.ss_training_finished_at) && Number.isFinite(started) && Number.isFinite(finished)) {
		add('Training time', formatDuration(finished - started));
	}
	if (present(m.ss_training_started_at) && Number.isFinite(started)) {
		add('Started', new Date(started * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC');
	}
	add('Seed', m.ss_seed);
	add('Clip skip', m.ss_clip_skip);
	// flux_train_network.py's update_metadata: what the Flux.1 run sampled and predicted.
	add('Guidance scale', m.ss_guidance_scale);
	add('Timestep sampling', present(m.ss_timestep_sampling) ? `${m.ss_timestep_sampling}${m.ss_timestep_sampling === 'shift' && present(m.ss_discrete_flow_shift) ? `, shift ${m.ss_discrete_flow_shift}` : ''}` : undefined);
	add('Model prediction', m.ss_model_prediction_type);
	add('Noise offset', m.ss_noise_offset);
	add('Min SNR gamma', m.ss_min_snr_gamma);
	add('Training comment', m.ss_training_comment);
	add('Trigger phrase', m['modelspec.trigger_phrase']);
	add('sd-scripts commit', m.ss_sd_scripts_commit_hash);
	add('Model hash (sshs)', m.sshs_model_hash);
	add('Legacy hash (sshs)', m.sshs_legacy_hash);
	add('Base model hash', m.ss_new_sd_model_hash ?? m.ss_sd_model_hash);

	const tagFrequency: TagFrequency[] = [];
	const frequency = parseJson<Record<string, Record<string, number>>>(m.ss_tag_frequency);
	for (const [folder, tags] of Object.entries(frequency ?? {})) {
		tagFrequency.push({
			folder,
			tags: Object.entries(tags).map(([tag, count]) => ({ tag, count: Number(count) })).sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag)),
		});
	}
	const otherKeys = Object.entries(m)
		.filter(([key]) => !key.startsWith('ss_') && !key.startsWith('sshs_') && !key.startsWith('modelspec.'))
		.map(([label, value]) => ({ label, value }));
	const hasTrainingMetadata = Object.keys(m).some((key) => key.startsWith('ss_'));
	return { fields, tagFrequency, otherKeys, hasTrainingMetadata };
}
