import type { Results } from './common.ts'
export async function benchPage(_results: Results): Promise<void> {}
