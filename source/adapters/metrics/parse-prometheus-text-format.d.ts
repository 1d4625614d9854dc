// The parser ships without types; this is the shape it returns (prom2json-compatible).
declare module 'parse-prometheus-text-format' {
	export type ParsedSample = {
		value?: string;
		labels?: Record<string, string>;
		timestamp_ms?: string;
		buckets?: Record<string, string>;
		quantiles?: Record<string, string>;
		count?: string;
		sum?: string;
	};
	export type ParsedFamily = {
		name: string;
		help: string;
		type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED' | string;
		metrics: ParsedSample[];
	};
	const parsePrometheusTextFormat: (text: string) => ParsedFamily[];
	export default parsePrometheusTextFormat;
}
