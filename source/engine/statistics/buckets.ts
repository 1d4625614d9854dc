/** A cumulative histogram bucket, as Prometheus exposes it: observations ≤ upperBound. */
export type Bucket = {upperBound: number; count: number};
