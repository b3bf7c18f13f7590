/**
 * @module test/architecture
 * The trust boundaries of STYLE.md "Shape" and DESIGN §2, §4 as tests, over the source tree and
 * over the built pages:
 * - imports point one way (`web → api/contract ← api`, everyone → `crypto`), crypto/ has no I/O,
 *   no DOM, no Node, no `Math`, and only crypto/sodium.ts and crypto/noble.ts touch a library;
 * - public pages never load console code or libsodium (checked on the emitted bytes; the build
 *   itself also refuses, web/build/bundle-boundary.ts);
 * - the emitted HTML has no inline script or style and Subresource Integrity on everything, the
 *   asset manifest matches the files, and two builds of the same tree are byte-identical.
 *
 * Source is read with the TypeScript parser, so comments and strings never cause false alarms.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { beforeAll, describe, expect, it } from 'vitest'
import { ASSET_MANIFEST_FILE, type AssetManifest, buildAssetManifest } from '../web/build/asset-manifest.ts'
import { attribute, findTags } from '../web/build/html-tags.ts'
import { PAGES, PUBLIC_PAGES } from '../web/build/pages.ts'
import { listFiles, reachableFiles } from '../web/build/reachable.ts'
import { integrityOf } from '../web/build/sri.ts'
import { REPO_ROOT } from './support/server.ts'
import { requireWebBuild } from './support/web-build.ts'

// ---------------------------------------------------------------------------------------------
// Source scanning

interface ImportSite {
  readonly specifier: string
  readonly typeOnly: boolean
  readonly line: number
}

interface SourceFacts {
  readonly file: string
  readonly imports: ImportSite[]
  /** `Math.x`, `console.x`, `process.x`, `window`, `document`, … with their lines. */
  readonly globals: { name: string; line: number }[]
}

const SOURCE = /\.(?:ts|tsx|mts)$/
const WATCHED_GLOBALS = new Set(['Math', 'console', 'process', 'window', 'document'])

function sourceFiles(dir: string): string[] {
  const root = join(REPO_ROOT, dir)
  if (!existsSync(root)) return []
  return listFiles(root)
    .filter((f) => SOURCE.test(f) && !f.endsWith('.d.ts'))
    .map((f) => `${dir}/${f}`)
}

function scan(file: string): SourceFacts {
  return scanSource(file, readFileSync(join(REPO_ROOT, file), 'utf8'))
}

function scanSource(file: string, text: string): SourceFacts {
  const source = ts.createSourceFile(
    file,
    text,
    ts.ScriptTarget.Latest,
    true,
    file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  )
  const imports: ImportSite[] = []
  // A file that declares its own `window` (a bit window, say) uses no global by that name. This is
  // per file, not per scope: good enough here, and Biome's noRestrictedGlobals does the exact check.
  const locals = new Set<string>()
  const uses: { name: string; line: number }[] = []
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined
    ) {
      if (ts.isStringLiteral(node.moduleSpecifier)) {
        const typeOnly = ts.isImportDeclaration(node)
          ? node.importClause?.isTypeOnly === true ||
            (node.importClause?.name === undefined &&
              node.importClause?.namedBindings !== undefined &&
              ts.isNamedImports(node.importClause.namedBindings) &&
              node.importClause.namedBindings.elements.length > 0 &&
              node.importClause.namedBindings.elements.every((e) => e.isTypeOnly))
          : node.isTypeOnly
        imports.push({ specifier: node.moduleSpecifier.text, typeOnly, line: lineOf(node) })
      }
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression
      if (ts.isStringLiteral(expression))
        imports.push({ specifier: expression.text, typeOnly: false, line: lineOf(node) })
    } else if (ts.isCallExpression(node)) {
      const [first] = node.arguments
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require'
      if ((isDynamicImport || isRequire) && first !== undefined) {
        // A computed specifier hides what is loaded; report it so it can be refused.
        const specifier = ts.isStringLiteralLike(first) ? first.text : '<computed>'
        imports.push({ specifier, typeOnly: false, line: lineOf(node) })
      }
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      imports.push({ specifier: node.argument.literal.text, typeOnly: true, line: lineOf(node) })
    } else if (ts.isIdentifier(node) && WATCHED_GLOBALS.has(node.text)) {
      const parent = node.parent
      const declared =
        (ts.isVariableDeclaration(parent) ||
          ts.isParameter(parent) ||
          ts.isFunctionDeclaration(parent) ||
          ts.isBindingElement(parent) ||
          ts.isImportSpecifier(parent) ||
          ts.isImportClause(parent)) &&
        parent.name === node
      if (declared) locals.add(node.text)
      const isPropertyName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node) ||
        (ts.isPropertySignature(parent) && parent.name === node) ||
        (ts.isPropertyDeclaration(parent) && parent.name === node) ||
        (ts.isMethodDeclaration(parent) && parent.name === node) ||
        (ts.isQualifiedName(parent) && parent.right === node)
      if (!isPropertyName && !declared) uses.push({ name: node.text, line: lineOf(node) })
    } else if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      (node.expression.text === 'globalThis' || node.expression.text === 'self') &&
      WATCHED_GLOBALS.has(node.name.text)
    ) {
      uses.push({ name: `${node.expression.text}.${node.name.text}`, line: lineOf(node) })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return { file, imports, globals: uses.filter((use) => !locals.has(use.name)) }
}

/** A relative specifier as a repo-relative POSIX path; null for packages and built-ins. */
function target(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.') && !specifier.startsWith('/')) return null
  return relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), specifier))
    .split('\\')
    .join('/')
}

const NODE_BUILTINS = new Set(builtinModules)
function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || NODE_BUILTINS.has(specifier.split('/')[0] ?? '')
}
const isTest = (file: string) => /\.test\.tsx?$/.test(file)
const isUnder = (path: string | null, dir: string) =>
  path !== null && (path === dir || path.startsWith(`${dir}/`))
const CRYPTO_LIBRARIES = /^(?:libsodium|@noble\/)/

type Rule = (facts: SourceFacts) => string[]

function check(files: readonly string[], rule: Rule): string[] {
  return files.flatMap((file) => rule(scan(file)))
}

function at(facts: SourceFacts, site: { line: number }, message: string): string {
  return `${facts.file}:${site.line} ${message}`
}

const cryptoRule: Rule = (facts) => {
  const problems: string[] = []
  const backendFile = facts.file === 'crypto/sodium.ts' || facts.file === 'crypto/noble.ts'
  for (const site of facts.imports) {
    const to = target(facts.file, site.specifier)
    if (site.specifier === '<computed>') problems.push(at(facts, site, 'imports a computed specifier'))
    if (isUnder(to, 'api') || isUnder(to, 'web')) {
      problems.push(at(facts, site, `imports ${site.specifier}: crypto/ imports nothing from api/ or web/`))
    }
    // Tests may reach into a library to build hostile inputs (small-order points and the like).
    if (CRYPTO_LIBRARIES.test(site.specifier) && !backendFile && !isTest(facts.file)) {
      problems.push(
        at(
          facts,
          site,
          `imports ${site.specifier}: only crypto/sodium.ts and crypto/noble.ts touch a crypto library`,
        ),
      )
    }
    if (!isTest(facts.file) && isNodeBuiltin(site.specifier)) {
      problems.push(
        at(facts, site, `imports ${site.specifier}: crypto/ runs unchanged in the browser, no Node APIs`),
      )
    }
  }
  return problems
}

/** Applied to crypto/ source, not its tests (Biome's crypto/ override covers both). */
const cryptoGlobalsRule: Rule = (facts) =>
  facts.globals.map((use) => at(facts, use, `uses ${use.name}: crypto/ has no Math, console, process or DOM`))

const contractRule: Rule = (facts) => {
  const problems: string[] = []
  for (const site of facts.imports) {
    const to = target(facts.file, site.specifier)
    if (isUnder(to, 'api') && !isUnder(to, 'api/contract')) {
      problems.push(
        at(facts, site, `imports ${site.specifier}: api/contract/ imports nothing from the rest of api/`),
      )
    }
    if (isUnder(to, 'web'))
      problems.push(at(facts, site, `imports ${site.specifier}: api/contract/ never imports web/`))
    if (isNodeBuiltin(site.specifier)) {
      problems.push(
        at(
          facts,
          site,
          `imports ${site.specifier}: api/contract/ is shared with the browser, no Node built-ins`,
        ),
      )
    }
  }
  return problems
}

/** Web page code (not the Node build tooling in web/build/ and web/vite.config.ts). */
const webRule: Rule = (facts) => {
  const problems: string[] = []
  const consoleCode = isUnder(facts.file, 'web/console')
  for (const site of facts.imports) {
    const to = target(facts.file, site.specifier)
    if (site.specifier === '<computed>') problems.push(at(facts, site, 'imports a computed specifier'))
    const appType = site.typeOnly && to !== null && /^api\/app(?:\.ts)?$/.test(to)
    if (isUnder(to, 'api') && !isUnder(to, 'api/contract') && !appType) {
      problems.push(
        at(
          facts,
          site,
          `imports ${site.specifier}: web/ may import api/contract/ only (and \`import type { AppType }\`)`,
        ),
      )
    }
    if (isNodeBuiltin(site.specifier))
      problems.push(at(facts, site, `imports ${site.specifier}: pages have no Node APIs`))
    if (!consoleCode && isUnder(to, 'web/console')) {
      problems.push(at(facts, site, `imports ${site.specifier}: public pages never import console code`))
    }
    if (!consoleCode && (/^libsodium/.test(site.specifier) || to === 'crypto/sodium.ts')) {
      problems.push(
        at(facts, site, `imports ${site.specifier}: public pages use the @noble backend, never libsodium`),
      )
    }
    if (/^@noble\//.test(site.specifier) || /^libsodium/.test(site.specifier)) {
      problems.push(
        at(facts, site, `imports ${site.specifier}: go through crypto/noble.ts or crypto/sodium.ts`),
      )
    }
  }
  return problems
}

const apiRule: Rule = (facts) =>
  facts.imports
    .filter((site) => isUnder(target(facts.file, site.specifier), 'web'))
    .map((site) => at(facts, site, `imports ${site.specifier}: the server never imports web/`))

const webPageFiles = () =>
  sourceFiles('web').filter((f) => !f.startsWith('web/build/') && f !== 'web/vite.config.ts')

describe('source boundaries', () => {
  it('lets crypto/ import nothing from api/ or web/, no Node APIs, and no crypto library outside the two backends', () => {
    const files = sourceFiles('crypto')
    expect(files).toContain('crypto/noble.ts')
    expect(check(files, cryptoRule)).toEqual([])
  })

  it('keeps Math, console, process, window and document out of crypto/ source', () => {
    expect(
      check(
        sourceFiles('crypto').filter((f) => !isTest(f)),
        cryptoGlobalsRule,
      ),
    ).toEqual([])
  })

  it('keeps api/contract/ free of the rest of api/ and of Node built-ins', () => {
    expect(check(sourceFiles('api/contract'), contractRule)).toEqual([])
  })

  it('lets web pages import api/contract/ only, never Node built-ins, and never console code from a public page', () => {
    expect(check(webPageFiles(), webRule)).toEqual([])
  })

  it('never lets the server import web/', () => {
    expect(check(sourceFiles('api'), apiRule)).toEqual([])
  })

  // The rules above only mean something if they catch what they claim to; each case is a
  // forbidden file run through the same scanner.
  describe('the rules themselves', () => {
    const fixture = scanSource

    it('flags libsodium imported outside crypto/sodium.ts', () => {
      const problems = cryptoRule(fixture('crypto/envelope.ts', "import sodium from 'libsodium-wrappers'"))
      expect(problems).toEqual([
        'crypto/envelope.ts:1 imports libsodium-wrappers: only crypto/sodium.ts and crypto/noble.ts touch a crypto library',
      ])
    })

    it('flags crypto/ importing the server and using Math, but not the word Math in a comment', () => {
      const facts = fixture(
        'crypto/x.ts',
        "import { a } from '../api/app.ts'\n// Math.random is banned\nconst r = Math.random()",
      )
      const problems = [...cryptoRule(facts), ...cryptoGlobalsRule(facts)]
      expect(problems).toEqual([
        'crypto/x.ts:1 imports ../api/app.ts: crypto/ imports nothing from api/ or web/',
        'crypto/x.ts:3 uses Math: crypto/ has no Math, console, process or DOM',
      ])
    })

    it('flags the global window in crypto/ but not a local variable of that name', () => {
      expect(cryptoGlobalsRule(fixture('crypto/x.ts', 'const w = window.crypto'))).toHaveLength(1)
      expect(cryptoGlobalsRule(fixture('crypto/y.ts', 'const window = 3\nconst x = window + 1'))).toEqual([])
    })

    it('flags api/contract/ importing storage or node:fs', () => {
      const problems = contractRule(
        fixture(
          'api/contract/x.ts',
          "import { db } from '../db/index.ts'\nimport { readFileSync } from 'node:fs'",
        ),
      )
      expect(problems).toHaveLength(2)
      expect(problems[0]).toContain('api/contract/x.ts:1 imports ../db/index.ts')
      expect(problems[1]).toContain('api/contract/x.ts:2 imports node:fs')
    })

    it('flags a web page importing server code, allows import type of AppType', () => {
      const problems = webRule(
        fixture(
          'web/intake/x.ts',
          "import type { AppType } from '../../api/app.ts'\nimport { env } from '../../api/env.ts'\nimport '../console/main.tsx'",
        ),
      )
      expect(problems).toEqual([
        'web/intake/x.ts:2 imports ../../api/env.ts: web/ may import api/contract/ only (and `import type { AppType }`)',
        'web/intake/x.ts:3 imports ../console/main.tsx: public pages never import console code',
      ])
    })
  })
})

// ---------------------------------------------------------------------------------------------
// The built pages (dist/web, built by test/global-setup.ts)

/** Strings only libsodium's JavaScript contains (checked against the packages below). */
const LIBSODIUM_MARKERS = ['crypto_pwhash', 'crypto_scalarmult', 'crypto_generichash', 'sodium_init']
/** web/console/main.tsx's root id: present in what /console loads, so a marker for console code. */
const CONSOLE_MARKER = 'console-root'

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8')
const publicFiles = (dir: string) =>
  [...new Set(PUBLIC_PAGES.flatMap((p) => reachableFiles(dir, p.html)))].sort()

describe('the reporter bundle rule', () => {
  let dist = ''
  beforeAll(() => {
    dist = requireWebBuild()
  })

  it('ships no libsodium in anything a public page can load', () => {
    const hits = publicFiles(dist).flatMap((file) =>
      LIBSODIUM_MARKERS.filter((marker) => read(dist, file).includes(marker)).map(
        (marker) => `${file}: ${marker}`,
      ),
    )
    expect(hits).toEqual([])
  })

  it('uses markers that really occur in libsodium (positive control)', async () => {
    for (const pkg of ['libsodium-wrappers', 'libsodium-wrappers-sumo']) {
      const text = readFileSync(new URL(import.meta.resolve(pkg)), 'utf8')
      const found = LIBSODIUM_MARKERS.filter((marker) => text.includes(marker))
      expect(found.length, `${pkg} contains a libsodium marker`).toBeGreaterThan(0)
    }
    const sumo = readFileSync(new URL(import.meta.resolve('libsodium-wrappers-sumo')), 'utf8')
    expect(LIBSODIUM_MARKERS.every((marker) => sumo.includes(marker))).toBe(true)
  })

  it('ships no console code in anything a public page can load, and finds it where it belongs', () => {
    const leaks = publicFiles(dist).filter(
      (file) => read(dist, file).includes(CONSOLE_MARKER) && file.endsWith('.js'),
    )
    expect(leaks).toEqual([])
    const consoleJs = reachableFiles(dist, 'console.html').filter((file) => file.endsWith('.js'))
    expect(consoleJs.some((file) => read(dist, file).includes(CONSOLE_MARKER))).toBe(true)
  })
})

describe('the built pages', () => {
  let dist = ''
  beforeAll(() => {
    dist = requireWebBuild()
  })

  it('emits exactly the five pages, assets and the manifest, and no source maps', () => {
    const files = listFiles(dist)
    expect(files.filter((f) => !f.startsWith('assets/')).sort()).toEqual(
      [...PAGES.map((p) => p.html), ASSET_MANIFEST_FILE].sort(),
    )
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([])
    expect(files.filter((f) => /sourceMappingURL/.test(readFileSync(join(dist, f), 'latin1')))).toEqual([])
  })

  it('has no inline script, style or handler in any page, and nothing loaded from a data: URL', () => {
    for (const page of PAGES) {
      const html = read(dist, page.html)
      const tags = findTags(html)
      expect(
        tags.filter((t) => t.name === 'style'),
        page.html,
      ).toEqual([])
      for (const tag of tags.filter((t) => t.name === 'script')) {
        expect(attribute(tag, 'src'), `${page.html}: every script has a src`).toMatch(/^\/assets\//)
        expect(tag.body.trim(), `${page.html}: script bodies are empty`).toBe('')
      }
      expect(html, page.html).not.toMatch(/\s(?:style|on[a-z]+)\s*=/i)
      // The one data: URL allowed is the empty icon that stops Chromium asking for /favicon.ico.
      expect(html.replace(/<link rel="icon" href="data:,"\s*\/?>/g, ''), page.html).not.toContain('data:')
    }
  })

  it('puts a matching sha384 integrity attribute on every script, stylesheet and module preload', () => {
    let checked = 0
    for (const page of PAGES) {
      for (const tag of findTags(read(dist, page.html))) {
        const rel = attribute(tag, 'rel')
        const url = tag.name === 'script' ? attribute(tag, 'src') : attribute(tag, 'href')
        if (
          typeof url !== 'string' ||
          (tag.name === 'link' && rel !== 'stylesheet' && rel !== 'modulepreload')
        )
          continue
        const integrity = attribute(tag, 'integrity')
        expect(integrity, `${page.html} ${url}`).toBe(integrityOf(readFileSync(join(dist, url.slice(1)))))
        expect(attribute(tag, 'crossorigin'), `${page.html} ${url}`).toBeNull()
        checked += 1
      }
    }
    expect(checked).toBeGreaterThanOrEqual(PAGES.length)
  })

  it('lists the SHA-256 of every file a public page loads in asset-manifest.json, and nothing of the console', () => {
    const manifest = JSON.parse(read(dist, ASSET_MANIFEST_FILE)) as AssetManifest
    expect(manifest).toEqual(buildAssetManifest(dist))
    expect(Object.keys(manifest.pages).sort()).toEqual(PUBLIC_PAGES.map((p) => p.path).sort())
    for (const entry of manifest.files) {
      const bytes = readFileSync(join(dist, entry.path))
      expect(entry.sha256, entry.path).toBe(createHash('sha256').update(bytes).digest('hex'))
    }
    expect(manifest.files.map((f) => f.path)).toEqual(publicFiles(dist))
    expect(manifest.files.map((f) => f.path)).not.toContain('console.html')
  })
})

describe('the build', () => {
  it('is reproducible: two builds of the same tree are byte-identical', () => {
    const work = mkdtempSync(join(tmpdir(), 'tnr-repro-'))
    try {
      const outputs = ['first', 'second'].map((name) => {
        const outDir = join(work, name, 'web')
        const result = spawnSync(
          process.execPath,
          [
            join(REPO_ROOT, 'node_modules/vite/bin/vite.js'),
            'build',
            '--config',
            'web/vite.config.ts',
            '--outDir',
            outDir,
            '--logLevel',
            'error',
          ],
          { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } },
        )
        expect(result.status, result.stderr).toBe(0)
        return outDir
      })
      const [first, second] = outputs as [string, string]
      const files = listFiles(first)
      expect(files.length).toBeGreaterThan(PAGES.length)
      expect(listFiles(second)).toEqual(files)
      const differing = files.filter(
        (f) => !readFileSync(join(first, f)).equals(readFileSync(join(second, f))),
      )
      expect(differing).toEqual([])
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})
