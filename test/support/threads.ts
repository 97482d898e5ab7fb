import { readFileSync, readdirSync } from 'node:fs';

/** The nice value of each thread of this process, main thread first (Linux: field 19 of /proc/self/task/<tid>/stat). */
export function threadNices(): number[] {
	return readdirSync('/proc/self/task').sort((a, b) => Number(a) - Number(b)).flatMap((tid) => {
		try {
			const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
			return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
		} catch {
			return []; // a thread that ended while being listed
		}
	});
}
