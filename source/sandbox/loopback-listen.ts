import type {Server} from 'node:http';
import type {AddressInfo} from 'node:net';

/** A sandbox server listening on a free port of 127.0.0.1. */
export type Listening = {port: number; close(): Promise<void>};

/** Listens on a free loopback port; close() also drops kept-alive connections so nothing lingers. */
export const listenOnLoopback = async (server: Server): Promise<Listening> => {
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	return {
		port: (server.address() as AddressInfo).port,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
};
