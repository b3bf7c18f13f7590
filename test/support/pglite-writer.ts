/**
 * @module test/support/pglite-writer
 * Child process for the durability test (DESIGN §3): opens the PGlite database in DATA_DIR
 * (argv[2]), commits one desk named argv[3], prints "committed <id>" and then idles until the
 * test kills it with SIGKILL. Whatever the parent reads after "committed" must survive the kill.
 */
import { openDatabase } from '../../api/db/index.ts'
import { desks } from '../../api/db/schema.ts'

const [dataDir, name] = process.argv.slice(2)
if (dataDir === undefined || name === undefined) throw new Error('usage: pglite-writer DATA_DIR NAME')
const database = await openDatabase({ dataDir })
const [row] = await database.db.insert(desks).values({ name }).returning({ id: desks.id })
process.stdout.write(`committed ${row?.id}\n`)
setInterval(() => {}, 60_000)
