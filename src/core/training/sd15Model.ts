/** The SD 1.5 base model on Hugging Face: the id to use, and the one the guide and older presets still name. */

export const SD15_MODEL_ID = 'stable-diffusion-v1-5/stable-diffusion-v1-5';
/** RunwayML removed this repository from Hugging Face in 2024: a first training with it fails on the download. */
export const REMOVED_SD15_MODEL_ID = 'runwayml/stable-diffusion-v1-5';

/** The id to train with: the removed one becomes the maintained copy (the same weights). */
export function currentModelId(id: string): string {
	return id.trim() === REMOVED_SD15_MODEL_ID ? SD15_MODEL_ID : id;
}

export function replacementModelNote(where: string): string {
	return `${where} names ${REMOVED_SD15_MODEL_ID}, which RunwayML removed from Hugging Face in 2024 (a first training would fail on the download); using the maintained copy ${SD15_MODEL_ID}, the same weights`;
}
