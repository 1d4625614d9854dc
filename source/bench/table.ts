import type {Figure, RowResult, Target} from './figures.js';

// The bench's table, as markdown: it reads in a terminal and pastes into the README unchanged.

const formatValue = (value: number, unit: Figure['unit']): string => {
	switch (unit) {
		case 'ms':
			return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms`;
		case 's':
			return `${value.toFixed(2)} s`;
		case 'MB':
			return `${value.toFixed(0)} MB`;
		case '% of a core':
			return `${value.toFixed(1)} % of a core`;
	}
};

const formatTarget = (target: Target): string => (target.kind === 'ratio' ? `≤ ${target.max}×` : `≤ ${target.max} ${target.unit}`);

const formatRatio = (ratio: number): string => `${ratio < 10 ? ratio.toFixed(1) : ratio.toFixed(0)}×`;

export const benchTable = (rows: readonly RowResult[]): string => {
	const lines = ['| what | greenlight | baseline | ratio | target | ok |', '| --- | --- | --- | --- | --- | --- |'];
	for (const row of rows) {
		const greenlight = `${formatValue(row.greenlight.value, row.greenlight.unit)}${row.greenlight.note ? `, ${row.greenlight.note}` : ''}`;
		const baseline = row.baseline ? `${row.baseline.what}: ${formatValue(row.baseline.value, row.baseline.unit)}` : '—';
		const ratio = row.ratio === undefined ? '—' : formatRatio(row.ratio);
		lines.push(`| ${row.what} | ${greenlight} | ${baseline} | ${ratio} | ${formatTarget(row.target)} | ${row.ok ? 'yes' : 'no'} |`);
	}
	return `${lines.join('\n')}\n`;
};
