/**
 * @module web/stats/charts
 * A hand-rolled SVG bar chart. Why not a charting library: the page CSP is `style-src 'self'`
 * with no inline styles, and the common React charting libraries (Recharts, Chart.js via canvas
 * wrappers, Nivo, Victory) set `style` attributes or inject <style> elements at run time, which
 * that CSP blocks; they would also add tens of kilobytes to a public page. SVG presentation
 * attributes (x, y, width, height) are not styles, and colours come from classes in stats.css.
 *
 * Horizontal bars (long category names, right-to-left scripts), one bar per category with its
 * 95% interval as a line, suppressed categories as a hatched stub labelled "< k". Accessible: the
 * SVG has a title and the same numbers are always in a table beside it.
 */
export interface Bar {
  readonly label: string
  readonly value: number | null
  readonly lower: number | null
  readonly upper: number | null
  readonly display: string
}

/**
 * Geometry in viewBox units, sized so a phone (≈360 CSS px of content) shows the chart at 1:1
 * and text at its stylesheet size; stats.css caps the width so desktops do not enlarge it.
 */
const ROW = 26
const MIN_LABEL_WIDTH = 128
const MAX_LABEL_WIDTH = 230
const PLOT_WIDTH = 180
const VALUE_WIDTH = 52

/**
 * Room for the longest label at the 12px chart font (SVG text does not wrap): about 6.6 units a
 * Latin, Cyrillic or Arabic-script letter, 12 a CJK one, 9 anything else, within bounds.
 */
function labelWidth(bars: readonly Bar[]): number {
  let widest = 0
  for (const bar of bars) {
    let width = 0
    for (const ch of bar.label) {
      const code = ch.codePointAt(0) ?? 0
      width += code >= 0x2e80 ? 12 : code >= 0x0f00 && code <= 0x0fff ? 9 : 6.6
    }
    widest = Math.max(widest, width)
  }
  return Math.min(MAX_LABEL_WIDTH, Math.max(MIN_LABEL_WIDTH, Math.ceil(widest) + 14))
}

export function BarChart({
  title,
  bars,
  threshold,
  direction = 'ltr',
}: {
  title: string
  bars: readonly Bar[]
  threshold: number
  /** 'rtl' mirrors the chart: labels on the right, bars growing leftwards (Uyghur, Persian, Arabic). */
  direction?: 'ltr' | 'rtl'
}) {
  const max = bars.reduce((m, b) => {
    const top = b.upper ?? b.value ?? threshold
    return Math.max(top, m)
  }, threshold)
  const scale = (v: number) => (max <= 0 ? 0 : (v / max) * PLOT_WIDTH)
  const height = bars.length * ROW + 8
  const labelColumn = labelWidth(bars)
  const width = labelColumn + PLOT_WIDTH + VALUE_WIDTH
  const rtl = direction === 'rtl'
  // Positions are laid out left to right, then mirrored for RTL. Text anchors need no change:
  // with `direction` set, "end" is the left edge of RTL text and "start" its right edge.
  const x = (at: number) => (rtl ? width - at : at)
  const rectX = (at: number, w: number) => (rtl ? width - at - w : at)
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={title}
      direction={direction}
    >
      <title>{title}</title>
      {bars.map((bar, i) => {
        const y = i * ROW + 4
        const suppressed = bar.value === null
        const barWidth = suppressed ? scale(threshold) : scale(bar.value ?? 0)
        return (
          <g key={bar.label} className={suppressed ? 'bar bar-suppressed' : 'bar'}>
            <text
              className="chart-label"
              x={x(labelColumn - 8)}
              y={y + ROW / 2}
              textAnchor="end"
              dominantBaseline="middle"
            >
              {bar.label}
            </text>
            <rect
              className="chart-bar"
              x={rectX(labelColumn, barWidth)}
              y={y + 4}
              width={barWidth}
              height={ROW - 8}
            />
            {!suppressed && bar.lower !== null && bar.upper !== null && bar.upper !== bar.lower && (
              <line
                className="chart-interval"
                x1={x(labelColumn + scale(bar.lower))}
                x2={x(labelColumn + scale(bar.upper))}
                y1={y + ROW / 2}
                y2={y + ROW / 2}
              />
            )}
            <text
              className="chart-value"
              x={x(labelColumn + PLOT_WIDTH + 6)}
              y={y + ROW / 2}
              dominantBaseline="middle"
            >
              {bar.display}
            </text>
          </g>
        )
      })}
    </svg>
  )
}
