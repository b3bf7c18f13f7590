import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type Job, startScheduler } from './scheduler.ts'

describe('startScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const logger = () => {
    const lines: string[] = []
    return { lines, info: (l: string) => lines.push(l), error: (l: string) => lines.push(l) }
  }

  it('runs each job after its jitter, then every period plus jitter', async () => {
    const runs: number[] = []
    const job: Job = {
      name: 'tick',
      everyMs: 1000,
      jitterMs: 100,
      run: async () => {
        runs.push(Date.now())
      },
    }
    const start = Date.now()
    // The random source gives the whole jitter: first run at +100, then every 1,100.
    const scheduler = startScheduler([job], logger(), (max) => max)
    await vi.advanceTimersByTimeAsync(99)
    expect(runs).toEqual([])
    await vi.advanceTimersByTimeAsync(1 + 1100 * 2)
    expect(runs.map((t) => t - start)).toEqual([100, 1200, 2300])
    await scheduler.stop()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(runs).toHaveLength(3)
  })

  it('logs a failure by class only and keeps the job scheduled', async () => {
    let calls = 0
    const log = logger()
    const scheduler = startScheduler(
      [
        {
          name: 'flaky',
          everyMs: 10,
          jitterMs: 0,
          run: async () => {
            calls += 1
            if (calls === 1) throw new TypeError('secret detail postgres://u:p@h/db')
          },
        },
      ],
      log,
    )
    await vi.advanceTimersByTimeAsync(25)
    await scheduler.stop()
    expect(calls).toBeGreaterThanOrEqual(2)
    expect(log.lines).toEqual(['Job flaky failed (TypeError); will retry.'])
  })

  it('never overlaps runs of one job, and stop() waits for the run in progress', async () => {
    let active = 0
    let most = 0
    let finished = 0
    const scheduler = startScheduler(
      [
        {
          name: 'slow',
          everyMs: 1,
          jitterMs: 0,
          run: async () => {
            active += 1
            most = Math.max(most, active)
            await new Promise((resolve) => setTimeout(resolve, 50))
            active -= 1
            finished += 1
          },
        },
      ],
      logger(),
    )
    await vi.advanceTimersByTimeAsync(120)
    const stopping = scheduler.stop()
    await vi.advanceTimersByTimeAsync(50)
    await stopping
    expect(most).toBe(1)
    expect(active).toBe(0)
    expect(finished).toBeGreaterThanOrEqual(2)
  })
})
