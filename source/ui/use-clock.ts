import {useEffect, useState} from 'react';

/** The time, advancing once a second: enough for elapsed and remaining times, never a render storm. */
export const useClock = (clock: () => number = Date.now, intervalMs = 1000): number => {
	const [now, setNow] = useState(clock);
	useEffect(() => {
		const timer = setInterval(() => setNow(clock()), intervalMs);
		return () => clearInterval(timer);
	}, [clock, intervalMs]);
	return now;
};
