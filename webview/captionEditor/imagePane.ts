import type { ImagePainted, ImageState } from '../../src/core/protocol/captionEditor';
import { codicon, el } from '../common/dom';
import { afterNextPaint, imageDecoded } from '../common/paint';

/** What the pane ended up showing, once it is on screen. */
export type PaneShown = Omit<ImagePainted, 'type' | 'fileName'>;

/** The neighbours' previews, loaded and decoded ahead (a step to one of them shows it without waiting). */
const prefetched = new Map<string, HTMLImageElement>();

export function prefetchImages(srcs: readonly string[]): void {
	for (const src of [...prefetched.keys()]) {
		if (!srcs.includes(src)) {
			prefetched.delete(src);
		}
	}
	for (const src of srcs) {
		if (!prefetched.has(src)) {
			const img = new Image();
			img.src = src;
			void imageDecoded(img);
			prefetched.set(src, img);
		}
	}
}

async function shownAfterPaint(shown: PaneShown): Promise<PaneShown> {
	await afterNextPaint();
	return shown;
}

/**
 * The image, fitted to the pane from a downscaled preview. Zoom (click, or Enter/Space on the focused
 * image) loads the original at its real size in a scrollable view; zooming out goes back to the preview.
 * Resolves with what is shown once it is painted (the preview decoded), or undefined while it is still loading.
 */
export function renderImagePane(pane: HTMLElement, image: ImageState | undefined, fileName: string): Promise<PaneShown | undefined> {
	pane.replaceChildren();
	pane.classList.remove('zoomed');
	if (!image) {
		pane.append(el('div', { className: 'image-message' }, codicon('file-media'), el('p', {}, `No image found beside ${fileName}. The caption can still be edited.`)));
		return shownAfterPaint({ image: 'none', width: 0, height: 0 });
	}
	if (image.error) {
		pane.append(el('div', { className: 'image-message error', role: 'alert' }, codicon('error'), el('p', {}, image.error), el('p', { className: 'hint' }, 'The caption can still be edited.')));
		return shownAfterPaint({ image: 'error', width: 0, height: 0 });
	}
	if (!image.previewSrc) {
		pane.append(el('div', { className: 'image-message' }, codicon('loading'), el('p', {}, `Loading ${image.name}…`)));
		return Promise.resolve(undefined);
	}
	const ready = prefetched.get(image.previewSrc);
	prefetched.delete(image.previewSrc);
	const img = ready ?? el('img', { src: image.previewSrc });
	Object.assign(img, { alt: image.name, tabIndex: 0, className: 'fit' });
	img.title = 'Click to see the original at full size';
	const size = image.width && image.height ? `${image.width} × ${image.height}` : '';
	const caption = el('div', { className: 'image-info' }, el('span', {}, image.name), el('span', { className: 'image-size' }, size));
	const toggle = () => {
		const zoomed = !pane.classList.contains('zoomed');
		pane.classList.toggle('zoomed', zoomed);
		img.classList.toggle('fit', !zoomed);
		// The original is fetched only now: the preview is enough to see the picture.
		img.src = zoomed && image.fullSrc ? image.fullSrc : image.previewSrc!;
		img.title = zoomed ? 'Click to fit the image to the pane' : 'Click to see the original at full size';
	};
	img.addEventListener('click', toggle);
	img.addEventListener('keydown', (event) => {
		if (event.key === 'Enter' || event.key === ' ') {
			toggle();
			event.preventDefault();
		}
	});
	img.addEventListener('error', () => {
		pane.replaceChildren(el('div', { className: 'image-message error', role: 'alert' }, codicon('error'),
			el('p', {}, `${image.name} could not be shown. The caption can still be edited.`)));
	});
	pane.append(el('div', { className: 'image-scroll' }, img), caption);
	return imageDecoded(img).then((ok) => shownAfterPaint(ok ? { image: 'shown', width: img.naturalWidth, height: img.naturalHeight } : { image: 'error', width: 0, height: 0 }));
}
