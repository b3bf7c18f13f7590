/**
 * @module web/console/crypto.worker
 * Decrypts the case queue off the main thread (DESIGN §8: "decrypts a compact per-desk index in
 * a Web Worker and keeps plaintext in memory only"). The main thread sends the desk secret keys
 * once after unlock and then pages of report envelopes; the worker answers with the fields the
 * queue shows. Nothing is stored: no IndexedDB, no Cache API.
 *
 * A case whose server-stored reporter keys differ from the keys inside the decrypted report is
 * refused (DESIGN §5a): the server could otherwise make replies go to a key it holds.
 */
/// <reference lib="webworker" />
import '../shared/zod-setup.ts'
import type { CryptoBackend } from '../../crypto/backend.ts'
import { fromBase64 } from '../../crypto/bytes.ts'
import { CryptoError } from '../../crypto/errors.ts'
import { openReport } from '../../crypto/report.ts'
import { loadSodium } from '../../crypto/sodium.ts'
import { reportPlaintextSchema } from '../shared/report-schema.ts'

export type WorkerRequest =
  | { id: number; op: 'keys'; desks: [deskId: string, version: number, secretKey: Uint8Array][] }
  | {
      id: number
      op: 'open'
      cases: {
        id: string
        deskId: string
        lookupId: string
        report: string
        reporterPublicKey: string
        reporterSigningKey: string
      }[]
    }

export type OpenedSummary =
  | {
      id: string
      ok: true
      language: string
      urgent: boolean
      tactics: string[]
      community: string | null
      hostCountry: string | null
      excerpt: string
      text: string
    }
  | { id: string; ok: false; error: string }

export type WorkerResponse =
  | { id: number; ok: true; opened?: OpenedSummary[] }
  | { id: number; ok: false; error: string }

let backend: Promise<CryptoBackend> | undefined
const deskKeys = new Map<string, Uint8Array[]>()

function openOne(
  sodium: CryptoBackend,
  item: Extract<WorkerRequest, { op: 'open' }>['cases'][number],
): OpenedSummary {
  const keys = deskKeys.get(item.deskId) ?? []
  if (keys.length === 0) return { id: item.id, ok: false, error: 'no_key' }
  let lastError = 'decrypt_failed'
  for (const secretKey of keys) {
    try {
      const opened = openReport(sodium, fromBase64(item.report), { lookupId: item.lookupId, secretKey })
      if (
        !sodium.equal(opened.reporterPublicKey, fromBase64(item.reporterPublicKey, 32)) ||
        !sodium.equal(opened.reporterSigningKey, fromBase64(item.reporterSigningKey, 32))
      )
        return { id: item.id, ok: false, error: 'key_mismatch' }
      const parsed = reportPlaintextSchema.safeParse(opened.report)
      if (!parsed.success) {
        const text = typeof opened.report.narrative === 'string' ? opened.report.narrative : ''
        return {
          id: item.id,
          ok: true,
          language: '',
          urgent: false,
          tactics: [],
          community: null,
          hostCountry: null,
          excerpt: text.slice(0, 140),
          text,
        }
      }
      const answers = parsed.data.answers
      return {
        id: item.id,
        ok: true,
        language: parsed.data.language,
        urgent: answers.urgent === true,
        tactics: answers.tactics,
        community: answers.community,
        hostCountry: answers.hostCountry,
        excerpt: answers.narrative.slice(0, 140),
        text: answers.narrative,
      }
    } catch (error) {
      lastError = error instanceof CryptoError ? error.code : 'decrypt_failed'
    }
  }
  return { id: item.id, ok: false, error: lastError }
}

addEventListener('message', async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data
  try {
    backend ??= loadSodium()
    const sodium = await backend
    if (request.op === 'keys') {
      deskKeys.clear()
      for (const [deskId, , secretKey] of request.desks) {
        const list = deskKeys.get(deskId) ?? []
        list.push(secretKey)
        deskKeys.set(deskId, list)
      }
      postMessage({ id: request.id, ok: true } satisfies WorkerResponse)
      return
    }
    postMessage({
      id: request.id,
      ok: true,
      opened: request.cases.map((c) => openOne(sodium, c)),
    } satisfies WorkerResponse)
  } catch {
    postMessage({ id: request.id, ok: false, error: 'worker_failed' } satisfies WorkerResponse)
  }
})
