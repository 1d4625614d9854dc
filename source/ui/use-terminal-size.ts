import {useStdout} from 'ink';
import {useEffect, useState} from 'react';
import type {ScreenSize} from './screen-plan.js';

const DEFAULT_SIZE: ScreenSize = {columns: 80, rows: 24};

const read = (stdout: NodeJS.WriteStream): ScreenSize => ({
	columns: stdout.columns || DEFAULT_SIZE.columns,
	rows: stdout.rows || DEFAULT_SIZE.rows,
});

/** The terminal's columns and rows, re-read on every resize. */
export const useTerminalSize = (): ScreenSize => {
	const {stdout} = useStdout();
	const [size, setSize] = useState(() => read(stdout));
	useEffect(() => {
		const update = () => setSize(read(stdout));
		stdout.on('resize', update);
		update();
		return () => {
			stdout.off('resize', update);
		};
	}, [stdout]);
	return size;
};
