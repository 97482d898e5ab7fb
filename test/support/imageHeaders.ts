/** A PNG whose header declares the size and nothing more: the scan reads only the header, as sd-scripts' bucketing does. */
export function pngHeader(width: number, height: number): Buffer {
	const b = Buffer.alloc(33);
	b.writeUInt32BE(0x89504e47, 0);
	b.writeUInt32BE(0x0d0a1a0a, 4);
	b.writeUInt32BE(13, 8);
	b.write('IHDR', 12, 'latin1');
	b.writeUInt32BE(width, 16);
	b.writeUInt32BE(height, 20);
	return b;
}
