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
const LABEL_WIDTH = 128
const PLOT_WIDTH = 180
const VALUE_WIDTH = 52

export function BarChart({
  title,
  bars,
  threshold,
}: {
  title: string
  bars: readonly Bar[]
  threshold: number
}) {
  const max = bars.reduce((m, b) => {
    const top = b.upper ?? b.value ?? threshold
    return Math.max(top, m)
  }, threshold)
  const scale = (v: number) => (max <= 0 ? 0 : (v / max) * PLOT_WIDTH)
  const height = bars.length * ROW + 8
  const width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
      <title>{title}</title>
      {bars.map((bar, i) => {
        const y = i * ROW + 4
        const suppressed = bar.value === null
        const barWidth = suppressed ? scale(threshold) : scale(bar.value ?? 0)
        return (
          <g key={bar.label} className={suppressed ? 'bar bar-suppressed' : 'bar'}>
            <text
              className="chart-label"
              x={LABEL_WIDTH - 8}
              y={y + ROW / 2}
              textAnchor="end"
              dominantBaseline="middle"
            >
              {bar.label}
            </text>
            <rect className="chart-bar" x={LABEL_WIDTH} y={y + 4} width={barWidth} height={ROW - 8} />
            {!suppressed && bar.lower !== null && bar.upper !== null && bar.upper !== bar.lower && (
              <line
                className="chart-interval"
                x1={LABEL_WIDTH + scale(bar.lower)}
                x2={LABEL_WIDTH + scale(bar.upper)}
                y1={y + ROW / 2}
                y2={y + ROW / 2}
              />
            )}
            <text
              className="chart-value"
              x={LABEL_WIDTH + PLOT_WIDTH + 6}
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
