import os from 'node:os';

/** Who runs greenlight when --operator is not given: the login name. */
export const defaultOperator = (): string => {
	try {
		return os.userInfo().username;
	} catch {
		return process.env.USER ?? 'operator';
	}
};
