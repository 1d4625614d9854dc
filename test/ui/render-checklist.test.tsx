import {setTimeout as delay} from 'node:timers/promises';
import {expect, test} from 'vitest';
import type {Intent} from '../../source/engine/intents.js';
import {renderChecklist} from '../../source/ui/render-checklist.js';
import {FakeKeyboard, FakeTerminal, createTestStore, fold, prepDone, stripAnsi} from './checklist-harness.js';

test('given the driver role, q then y sends quit, and once the driver sets the outcome the promise resolves with the outcome on screen', async () => {
	const {store, set} = createTestStore(fold(prepDone));
	const terminal = new FakeTerminal(80, 24);
	const keyboard = new FakeKeyboard();
	const sent: Intent[] = [];
	let resolved = false;
	const shown = renderChecklist({
		store,
		send: (intent) => {
			sent.push(intent);
			// As the driver does: a quit ends the run as stopped.
			if (intent.type === 'quit') set(fold([...prepDone, {type: 'run-finished', outcome: 'stopped', reason: 'quit by alice'}]));
		},
		role: 'driver',
		operator: 'alice',
		stdin: keyboard as unknown as NodeJS.ReadStream,
		stdout: terminal as unknown as NodeJS.WriteStream,
		colour: false,
	}).then(() => {
		resolved = true;
	});
	await delay(50);
	expect(stripAnsi(terminal.frames.join(''))).toContain('Smoke-Tests & Health-Checks');
	keyboard.write('q');
	await delay(20);
	expect(resolved).toBe(false);
	keyboard.write('y');
	await shown;
	expect(sent).toEqual([{type: 'quit'}]);
	const output = stripAnsi(terminal.frames.join(''));
	expect(output).toContain('■ Stopped — the session can be resumed: quit by alice');
	expect(output).toContain('1/3 phases confirmed · rollback no · break-glass no');
});
