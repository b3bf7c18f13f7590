import type { Results } from './common.ts'
export async function benchConsole(_results: Results): Promise<void> {}
