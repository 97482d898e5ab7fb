/** CRC-32C (Castagnoli), as TFRecord framing uses it, plus TensorFlow's masking. */

const TABLE = (() => {
	const table = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) {
			c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
		}
		table[n] = c >>> 0;
	}
	return table;
})();

export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
	let crc = 0xffffffff;
	for (let i = start; i < end; i++) {
		crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
	}
	return (crc ^ 0xffffffff) >>> 0;
}

/** TensorFlow stores `rotate_right(crc, 15) + 0xa282ead8` so a CRC of data that contains CRCs stays strong. */
export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
	const crc = crc32c(bytes, start, end);
	return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
