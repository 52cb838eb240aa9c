// The project's source files under a directory (TypeScript and JavaScript, sorted), for the tests
// that audit the code itself (test/safety.test.ts, test/architecture.test.ts).
import {readdirSync} from 'node:fs';
import path from 'node:path';

export function sources(dir: string): string[] {
	const out: string[] = [];
	for (const entry of readdirSync(dir, {withFileTypes: true})) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) out.push(...sources(full));
		else if (entry.isFile() && /\.([cm]?js|tsx?)$/.test(entry.name)) out.push(full);
	}
	return out.sort();
}
