/**
 * Inserts a JPEG comment (COM) segment right after SOI: a valid JPEG with the same pixels and different bytes, so
 * caches keyed by content or stat see a new file (the benches' many copies of a few real photos).
 */
export function withJpegComment(jpeg: Buffer, text: string): Buffer {
	const body = Buffer.from(text, 'latin1');
	const segment = Buffer.alloc(4 + body.length);
	segment.writeUInt16BE(0xfffe, 0);
	segment.writeUInt16BE(body.length + 2, 2);
	body.copy(segment, 4);
	return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}
