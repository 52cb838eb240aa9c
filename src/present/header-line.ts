// The one-line host summary. Pure: parts have a long and a short form and a priority; the line uses
// the long forms when they fit, then short forms, then drops the least important parts.

import type {HostModel} from '../model/types.js';
import {seg, type Line, type Segment} from './line.js';
import {sanitize, truncateMiddle} from './text.js';

interface Part {
	long: Segment[];
	short: Segment[];
	/** Higher is shortened, then dropped, first when room is short. The source marker is never dropped. */
	drop: number;
}

const mark = (present: boolean) => (present ? '+' : '-');
/** Columns kept for the origin (tree path, recording label) before host facts are shortened. */
const ORIGIN_MIN = 34;

export function sourceMarker(model: HostModel): string {
	return sourceKindMarker(model.source.kind);
}

/** LIVE (this host now), TREE (a sysfs tree on disk) or RECORDED (a snapshot or the sample). */
export function sourceKindMarker(kind: HostModel['source']['kind']): string {
	return kind === 'live' ? 'LIVE' : kind === 'tree' ? 'TREE' : 'RECORDED';
}

function origin(model: HostModel): string {
	const {source} = model;
	if (source.kind === 'live') return source.label ?? '';
	const what = source.label ?? model.root;
	return source.recordedAt ? `${what} (${source.recordedAt})` : what;
}

/**
 * When what is shown was read (issue 17: stale data must not pass for live): `scanned 14:02:33`, the
 * time of day of the scan, and from a minute on how long ago (`scanned 14:02:33, 5 min ago`); [] for
 * a recording, whose origin says when it was recorded.
 */
export function scanAge(model: HostModel, now?: number): {long: string; short: string} | null {
	if (model.source.kind === 'snapshot') return null;
	const at = Date.parse(model.scannedAt);
	if (Number.isNaN(at)) return null;
	const clock = new Date(at).toTimeString().slice(0, 8);
	const minutes = now === undefined ? 0 : Math.floor((now - at) / 60_000);
	if (minutes < 1) return {long: `scanned ${clock}`, short: clock};
	const ago = minutes < 120 ? `${minutes} min` : `${Math.floor(minutes / 60)} h`;
	return {long: `scanned ${clock}, ${ago} ago`, short: `${clock}, ${ago} ago`};
}

/**
 * `now`: the time the age of the scan is told against (the screen's clock); without it only the scan's
 * time of day. `writes`: the keys that write are on (W), said right after the source, never dropped.
 */
export function headerLine(model: HostModel, width: number, now?: number, opts: {writes?: boolean} = {}): Line {
	const host = model.host;
	const age = scanAge(model, now);
	const modules = (names: [string, boolean][]): Segment[] =>
		names.flatMap(([name, present], index) => [
			seg((index ? ' ' : '') + name),
			seg(mark(present), present ? 'ok' : 'warn'),
		]);
	const parts: Part[] = [
		{
			long: [seg('kernel ' + (host.kernelRelease ?? 'n/a'))],
			short: [seg(host.kernelRelease ?? 'kernel n/a')],
			drop: 2,
		},
		{
			long: host.hostname === null ? [seg('host n/a')] : [seg('host ' + host.hostname)],
			short: host.hostname === null ? [] : [seg(host.hostname)],
			drop: 5,
		},
		{
			long: modules([
				['vfio', host.modules.vfio],
				['vfio_iommu_type1', host.modules.vfio_iommu_type1],
				['mdev', host.modules.mdev],
			]),
			short: modules([
				['vfio', host.modules.vfio],
				['type1', host.modules.vfio_iommu_type1],
				['mdev', host.modules.mdev],
			]),
			drop: 1,
		},
		{
			long: [seg('/dev/vfio/vfio'), seg(mark(host.vfioContainer), host.vfioContainer ? 'ok' : 'warn')],
			short: [seg('ctr'), seg(mark(host.vfioContainer), host.vfioContainer ? 'ok' : 'warn')],
			drop: 3,
		},
		{
			long: [seg('iommu groups ' + (host.iommuGroups ?? 'n/a'))],
			short: [seg('grp ' + (host.iommuGroups ?? 'n/a'))],
			drop: 4,
		},
		...(age ? [{long: [seg(age.long, 'dim')], short: [seg(age.short, 'dim')], drop: 2.5}] : []),
	];
	const marker: Segment[] = [seg(' ' + sourceMarker(model) + ' ', 'source'), ...(opts.writes ? [seg(' '), seg(' WRITES ON ', 'error')] : [])];
	const where = sanitize(origin(model));
	const errors = model.errors.length > 0 ? [seg(`!${model.errors.length}`, 'error')] : [];
	const join = (chosen: Segment[][]): Line => {
		const line: Line = [...marker];
		for (const p of [...chosen, ...(errors.length ? [errors] : [])]) {
			if (p.length === 0) continue;
			line.push(seg('  '), ...p);
		}
		return line;
	};
	const length = (line: Line) => line.reduce((n, s) => n + s.text.length, 0);
	// Where the data comes from matters more than the finer host facts: keep room for it.
	const originRoom = where ? Math.min(where.length, ORIGIN_MIN, Math.floor(width / 4)) + 2 : 0;
	const withOrigin = (line: Line): Line => {
		const room = width - length(line) - 2;
		if (!where || room < 8) return line;
		return [...line, seg('  '), seg(truncateMiddle(where, room), 'dim')];
	};
	let use: ('long' | 'short' | 'none')[] = parts.map(() => 'long');
	const build = () => join(parts.map((p, i) => (use[i] === 'long' ? p.long : use[i] === 'short' ? p.short : [])));
	const byDrop = parts.map((p, i) => ({p, i})).sort((a, b) => b.p.drop - a.p.drop);
	// Long forms; then the short form of the least important part, and so on; then drop parts.
	for (const {i} of byDrop) {
		if (length(build()) + originRoom <= width) break;
		use = use.map((u, j) => (j === i ? 'short' : u));
	}
	for (const {i} of byDrop) {
		if (length(build()) + originRoom <= width) break;
		use = use.map((u, j) => (j === i ? 'none' : u));
	}
	return withOrigin(build());
}
