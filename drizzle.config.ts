/**
 * @module drizzle.config
 * drizzle-kit configuration: `npm run db:generate` turns api/db/schema.ts into SQL migrations in
 * migrations/ (committed, never edited after they land; STYLE.md "Data").
 */
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'postgresql',
  schema: './api/db/schema.ts',
  out: './migrations',
  strict: true,
  verbose: true,
})
