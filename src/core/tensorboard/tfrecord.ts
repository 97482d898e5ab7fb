import { maskedCrc32c } from './crc32c';

/**
 * TFRecord framing: `u64 length, u32 masked crc32c(length), data, u32 masked crc32c(data)`, little-endian.
 * A file still being written ends in a partial record; a damaged one has a record whose CRC does not match.
 */
export interface TfRecordScan {
	records: Uint8Array[];
	/** Bytes consumed by whole, valid records: where reading should resume when the file grows. */
	end: number;
	/** The bytes after `end` are the beginning of a record not yet complete. */
	truncated: boolean;
	/** Why reading stopped early (a CRC mismatch, an impossible length), naming the offset. */
	corruption?: string;
}

const HEADER = 12;
const FOOTER = 4;
/** No scalar event comes near this; a larger length means the framing is garbage. */
const MAX_RECORD = 256 * 1024 * 1024;

export function scanTfRecords(bytes: Uint8Array, start = 0): TfRecordScan {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const records: Uint8Array[] = [];
	let offset = start;
	while (offset < bytes.length) {
		if (bytes.length - offset < HEADER) {
			return { records, end: offset, truncated: true };
		}
		const low = view.getUint32(offset, true);
		const high = view.getUint32(offset + 4, true);
		if (view.getUint32(offset + 8, true) !== maskedCrc32c(bytes, offset, offset + 8)) {
			return { records, end: offset, truncated: false, corruption: `the record length at byte ${offset} fails its checksum` };
		}
		const length = high * 2 ** 32 + low;
		if (length > MAX_RECORD) {
			return { records, end: offset, truncated: false, corruption: `the record at byte ${offset} claims ${length} bytes` };
		}
		const dataStart = offset + HEADER;
		const dataEnd = dataStart + length;
		if (dataEnd + FOOTER > bytes.length) {
			return { records, end: offset, truncated: true };
		}
		if (view.getUint32(dataEnd, true) !== maskedCrc32c(bytes, dataStart, dataEnd)) {
			return { records, end: offset, truncated: false, corruption: `the record at byte ${offset} fails its data checksum` };
		}
		records.push(bytes.subarray(dataStart, dataEnd));
		offset = dataEnd + FOOTER;
	}
	return { records, end: offset, truncated: false };
}

/** Frames one record (for writing event files in tests and the stand-in trainer). */
export function frameTfRecord(data: Uint8Array): Uint8Array {
	const out = new Uint8Array(HEADER + data.length + FOOTER);
	const view = new DataView(out.buffer);
	view.setUint32(0, data.length >>> 0, true);
	view.setUint32(4, Math.floor(data.length / 2 ** 32), true);
	view.setUint32(8, maskedCrc32c(out, 0, 8), true);
	out.set(data, HEADER);
	view.setUint32(HEADER + data.length, maskedCrc32c(data), true);
	return out;
}
