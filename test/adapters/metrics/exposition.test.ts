import {Counter, Gauge, Histogram, Registry, Summary} from 'prom-client';
import {describe, expect, it} from 'vitest';
import {parseExposition, seriesIdentity, type Exposition} from '../../../source/adapters/metrics/exposition.js';
import {collector} from '../../helpers/collector.js';

const parsed = (text: string): Exposition => {
	const result = parseExposition(text);
	if (!result.ok) throw new Error(result.reason);
	return result.exposition;
};

const reasonFor = (text: string): string => {
	const result = parseExposition(text);
	return result.ok ? 'accepted' : result.reason;
};

const plain = (exposition: Exposition, name: string) => exposition.samples(name).map(({labels, value}) => ({labels, value}));

describe('exposition: the grammar of a Prometheus server', () => {
	// The accepted lines of upstream's TestPromParse (prometheus/prometheus model/textparse/promparse_test.go).
	const upstream = [
		'# HELP go_gc_duration_seconds A summary of the GC invocation durations.',
		'# \tTYPE go_gc_duration_seconds summary',
		'go_gc_duration_seconds{quantile="0"} 4.9351e-05',
		'go_gc_duration_seconds{quantile="0.25",} 7.424100000000001e-05',
		'go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05',
		'go_gc_duration_seconds{quantile="0.8", a="b"} 8.3835e-05',
		'go_gc_duration_seconds{ quantile="0.9", a="b"} 8.3835e-05',
		'# Hrandom comment starting with prefix of HELP',
		'#',
		'wind_speed{A="2",c="3"} 12345',
		'# comment with escaped \\n newline',
		'# HELP nohelp1',
		'# HELP nohelp2 ',
		'go_gc_duration_seconds{ quantile="1.0", a="b" } 8.3835e-05',
		'go_gc_duration_seconds { quantile= "1.0", a= "b", } 8.3835e-05',
		'go_gc_duration_seconds { quantile = "2.0" a = "b" } 8.3835e-05',
		'go_gc_duration_seconds_count 99',
		'some:aggregate:rate5m{a_b="c"}\t1',
		'# TYPE go_goroutines gauge',
		'go_goroutines 33  \t123123',
		'_metric_starting_with_underscore 1',
		'testmetric{_label_starting_with_underscore="foo"} 1',
		'testmetric{label="\\"bar\\""} 1',
		'null_byte_metric{a="abc\u0000"} 1',
	].join('\n');

	it("given upstream's own test exposition, then every sample reads as upstream reads it", () => {
		const exposition = parsed(upstream);
		expect(plain(exposition, 'go_gc_duration_seconds')).toEqual([
			{labels: {quantile: '0'}, value: 4.9351e-5},
			{labels: {quantile: '0.25'}, value: 7.424100000000001e-5},
			{labels: {quantile: '0.5', a: 'b'}, value: 8.3835e-5},
			{labels: {quantile: '0.8', a: 'b'}, value: 8.3835e-5},
			{labels: {quantile: '0.9', a: 'b'}, value: 8.3835e-5},
			// Three more lines of quantile 1.0 with a="b": one series, written three ways; the first counts.
			{labels: {quantile: '1.0', a: 'b'}, value: 8.3835e-5},
			{labels: {quantile: '2.0', a: 'b'}, value: 8.3835e-5},
		]);
		expect(plain(exposition, 'wind_speed')).toEqual([{labels: {A: '2', c: '3'}, value: 12_345}]);
		expect(plain(exposition, 'go_gc_duration_seconds_count')).toEqual([{labels: {}, value: 99}]);
		expect(plain(exposition, 'some:aggregate:rate5m')).toEqual([{labels: {a_b: 'c'}, value: 1}]);
		expect(plain(exposition, 'go_goroutines')).toEqual([{labels: {}, value: 33}]);
		expect(plain(exposition, 'testmetric')).toEqual([
			{labels: {_label_starting_with_underscore: 'foo'}, value: 1},
			{labels: {label: '"bar"'}, value: 1},
		]);
		expect(plain(exposition, 'null_byte_metric')).toEqual([{labels: {a: 'abc\u0000'}, value: 1}]);
		expect(plain(exposition, 'absent')).toEqual([]);
	});

	it("given upstream's UTF-8 names, quoted inside the braces, then the name and labels are unquoted", () => {
		const exposition = parsed(
			[
				'# HELP "go.gc_duration_seconds" A summary of the GC invocation durations.',
				'# \tTYPE "go.gc_duration_seconds" summary',
				'{"go.gc_duration_seconds",quantile="0"} 4.9351e-05',
				'{ "go.gc_duration_seconds", quantile= "0.5", a= "b", } 8.3835e-05',
				'{"go.gc_duration_seconds_count"} 99',
				'{"metric with \\"interesting\\" {character\\nchoices}","strange©™\\n\'quoted\' \\"name\\""="6"} 10.0',
			].join('\n'),
		);
		expect(plain(exposition, 'go.gc_duration_seconds')).toEqual([
			{labels: {quantile: '0'}, value: 4.9351e-5},
			{labels: {quantile: '0.5', a: 'b'}, value: 8.3835e-5},
		]);
		expect(plain(exposition, 'go.gc_duration_seconds_count')).toEqual([{labels: {}, value: 99}]);
		expect(plain(exposition, 'metric with "interesting" {character\nchoices}')).toEqual([{labels: {'strange©™\n\'quoted\' "name"': '6'}, value: 10}]);
	});

	it("given upstream's malformed lines, then each is refused with its line and what is wrong", () => {
		// Upstream's TestPromParseErrors and TestPromNullByteHandling, each refused by a Prometheus server.
		const refused: Array<[string, RegExp]> = [
			['a', /^malformed exposition: expected a value after the metric in line 1: a$/],
			["a{b='c'} 1\n", /expected a quoted value for the label b/],
			['a{b=\n', /expected a quoted value for the label b/],
			['a{\u00ff="foo"} 1\n', /expected a label name or "}"/],
			['{"a", "b = "c"}', /expected "=" after the label "b = "/],
			['{"a",b\\nc="d"} 1', /expected "=" after the label b/],
			['a true\n', /a has value "true"/],
			['something_weird{problem="', /expected a quoted value for the label problem/],
			['empty_label_name{=""} 0', /expected a label name or "}"/],
			['foo 1_2\n', /foo has value "1_2"/],
			['foo 0x1p-3\n', /foo has value "0x1p-3"/],
			['foo 0x1P-3\n', /foo has value "0x1P-3"/],
			['foo 0 1_2\n', /expected the end of the line after the timestamp/],
			['{a="ok"} 1', /a sample without a metric name/],
			['# TYPE #\n#EOF\n', /expected a metric name after TYPE/],
			['# HELP #\n#EOF\n', /expected a metric name after HELP/],
			['a{b=\u0000"ssss"} 1\n', /expected a quoted value for the label b/],
			['a{b\u0000="hiih"}\t1', /expected "=" after the label b/],
			['a\u0000{b="ddd"} 1', /a has value "\\x00" in line 1: a\\x00\{b="ddd"\} 1$/],
			['a 0 1\u0000', /expected the end of the line after the timestamp/],
		];
		for (const [text, reason] of refused) expect(reasonFor(text), JSON.stringify(text)).toMatch(reason);
	});

	it('given a type upstream does not know, a second name, a value out of range or a stray token, then the page is refused', () => {
		expect(reasonFor('# TYPE up gauges\nup 1\n')).toBe('malformed exposition: invalid metric type "gauges" in line 1: # TYPE up gauges');
		expect(reasonFor('# TYPE up  gauge\n')).toMatch(/invalid metric type " gauge"/);
		expect(reasonFor('# TYPE up\n')).toMatch(/invalid metric type ""/);
		expect(reasonFor('up{"x"} 1\n')).toMatch(/the metric name is given twice/);
		expect(reasonFor('ok 1\nbig 1e400\n')).toMatch(/big has value "1e400" in line 2: big 1e400$/);
		expect(reasonFor(`big ${'9'.repeat(400)}\n`)).toMatch(/big has value/);
		expect(reasonFor('up 1 12 13\n')).toMatch(/expected the end of the line after the timestamp/);
		expect(reasonFor('up 1 x\n')).toMatch(/expected a timestamp or the end of the line/);
		expect(reasonFor('up +nan\n')).toMatch(/up has value "\+nan"/);
		expect(reasonFor('up 1.\n')).toBe('accepted');
		expect(reasonFor('up .5e-3\n')).toBe('accepted');
		expect(reasonFor('up 1e\n')).toMatch(/up has value "1e"/);
		expect(reasonFor(`${'x'.repeat(500)} one\n`)).toMatch(/in line 1: x{120}…$/);
	});

	it('given the values a client writes, then Inf, NaN, signs and exponents read as numbers', () => {
		const exposition = parsed(['v{s="a"} +Inf', 'v{s="b"} -Inf', 'v{s="c"} NaN', 'v{s="d"} -1.5E3', 'v{s="e"} Infinity', 'v{s="f"} 1e-400', ''].join('\n'));
		const values = exposition.samples('v').map((sample) => sample.value);
		expect(values.slice(0, 2)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
		expect(Number.isNaN(values[2])).toBe(true);
		expect(values.slice(3)).toEqual([-1500, Number.POSITIVE_INFINITY, 0]);
	});

	it('given blank lines, leading blanks and no newline at the end, then the page still reads', () => {
		expect(plain(parsed('\n  \n  up 1\n\t\nlast{a="1"} 2'), 'last')).toEqual([{labels: {a: '1'}, value: 2}]);
	});

	it('given a malformed line in a family no source reads, then the whole page is refused, as a Prometheus server refuses it', () => {
		expect(reasonFor('wanted 1\nother{a="1" 2\n')).toBe('malformed exposition: expected a label name or "}" in line 2: other{a="1" 2');
	});
});

describe('exposition: series identities', () => {
	it('given one series written tidily, with blanks, a trailing comma or its labels in another order, then its identity is the same', () => {
		const exposition = parsed(
			[
				'tidy{a="1",b="x\\"y"} 1',
				'spaced { a = "2" , b = "x\\"y" } 1',
				'comma{a="3",b="x\\"y",} 1',
				'order{b="x\\"y",a="4"} 1',
				'nocomma{a="5" b="x\\"y"} 1',
			].join('\n'),
		);
		const key = (name: string) => exposition.samples(name)[0]!.key;
		expect(key('tidy')).toBe('tidy{a="1",b="x\\"y"}');
		expect(key('spaced')).toBe('spaced{a="2",b="x\\"y"}');
		expect(key('comma')).toBe('comma{a="3",b="x\\"y"}');
		expect(key('order')).toBe('order{a="4",b="x\\"y"}');
		expect(key('nocomma')).toBe('nocomma{a="5",b="x\\"y"}');
	});

	it('given series made in a test, then their identity takes the form a scrape gives', () => {
		const [fromText] = parsed('m{le="+Inf",path="/a\\\\b\\n"} 3\n').samples('m');
		expect(seriesIdentity({name: 'm', labels: {path: '/a\\b\n', le: '+Inf'}, value: 3})).toBe(fromText!.key);
		expect(seriesIdentity({name: 'bare', labels: {}, value: 1})).toBe('bare');
	});

	it('given a series written twice, then the first counts', () => {
		expect(plain(parsed('dup{a="1"} 1\ndup{a="2"} 5\ndup{a="1"} 9\n'), 'dup')).toEqual([
			{labels: {a: '1'}, value: 1},
			{labels: {a: '2'}, value: 5},
		]);
	});

	it('given a family asked for twice, then the same samples come back, made once', () => {
		const exposition = parsed('up{a="1"} 1\n');
		expect(exposition.samples('up')).toBe(exposition.samples('up'));
	});
});

describe('exposition: what a client library writes', () => {
	it("given prom-client's counters, gauges, histograms and summaries with awkward label values, then every sample reads back as the client holds it", async () => {
		const registry = new Registry();
		const awkward = ['plain', 'with "quotes"', 'back\\slash', 'new\nline', 'ünïcödé ✓', ''];
		const requests = new Counter({name: 'requests_total', help: 'Requests.', labelNames: ['path', 'code'], registers: [registry]});
		const inflight = new Gauge({name: 'inflight', help: 'In flight.', labelNames: ['path'], registers: [registry]});
		const latency = new Histogram({name: 'latency_seconds', help: 'Latency.', labelNames: ['path'], buckets: [0.01, 0.1, 1], registers: [registry]});
		const sizes = new Summary({name: 'size_bytes', help: 'Sizes.', percentiles: [0.5, 0.9], registers: [registry]});
		awkward.forEach((path, index) => {
			requests.inc({path, code: String(200 + index)}, index + 1);
			inflight.set({path}, -index / 3);
			latency.observe({path}, index / 4);
			sizes.observe(index * 100);
		});
		const exposition = parsed(await registry.metrics());
		for (const metric of await registry.getMetricsAsJSON()) {
			const byName = new Map<string, Array<{labels: Record<string, string | number>; value: number}>>();
			for (const value of metric.values) {
				const name = 'metricName' in value && typeof value.metricName === 'string' ? value.metricName : metric.name;
				byName.set(name, [...(byName.get(name) ?? []), {labels: value.labels as Record<string, string | number>, value: value.value}]);
			}
			expect(byName.size, metric.name).toBeGreaterThan(0);
			for (const [name, values] of byName) {
				const expected = values.map(({labels, value}) => ({labels: Object.fromEntries(Object.entries(labels).map(([label, text]) => [label, text === Number.POSITIVE_INFINITY ? '+Inf' : String(text)])), value: value + 0}));
				expect(plain(exposition, name), name).toEqual(expected);
			}
		}
	});
});

describe('exposition: memory', () => {
	it('given pages whose series are kept, then what is kept holds none of the pages it was read from', async () => {
		const gc = collector();
		gc();
		const before = process.memoryUsage().heapUsed;
		const kept: unknown[] = [];
		// Forty pages of 1 MB, each with a series not seen before: the series are kept, the pages must go.
		for (let page = 0; page < 40; page++) {
			const filler = `# ${String(page).padStart(4, '0')}${'x'.repeat(1_000_000)}\n`;
			const [series] = parsed(`${filler}requests_total{path="/page/${page}/with/a/long/path"} 1\n`).samples('requests_total');
			kept.push(series);
		}
		await new Promise((resolve) => setImmediate(resolve));
		gc();
		const grownMb = (process.memoryUsage().heapUsed - before) / 1e6;
		expect(kept).toHaveLength(40);
		expect(grownMb).toBeLessThan(10);
	});
});
