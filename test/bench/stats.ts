import type { Results } from './common.ts'
export async function benchStats(_results: Results): Promise<void> {}
