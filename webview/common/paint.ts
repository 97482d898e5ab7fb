/**
 * Resolves once the next frame is on screen: a requestAnimationFrame callback runs just before the frame is
 * painted, and a task queued from it runs after. Used for the `painted` acknowledgements the VS Code bench
 * times (command to first paint).
 */
export function afterNextPaint(): Promise<void> {
	return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Resolves when the image is decoded (true) or failed to load (false); never rejects. */
export function imageDecoded(img: HTMLImageElement): Promise<boolean> {
	return img.decode().then(() => true, () => false);
}
