import { Group, Text, useMantineTheme } from '@mantine/core';

export interface BarSeries {
  name: string;
  /** A Mantine colour name: teal, red, … */
  color: string;
}

/**
 * A stacked bar per category (a day), drawn as SVG: one chart on one page does not justify a charting
 * library of hundreds of kilobytes. Each bar says its numbers in its title (hover, screen readers).
 */
export function StackedBars({
  data,
  categoryKey,
  series,
  height = 220,
  label,
  testId,
}: {
  data: Record<string, string | number>[];
  categoryKey: string;
  series: BarSeries[];
  height?: number;
  label: string;
  testId?: string;
}) {
  const theme = useMantineTheme();
  const totals = data.map((row) => series.reduce((sum, s) => sum + Number(row[s.name] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const width = 720;
  const axis = 18;
  const slot = width / Math.max(1, data.length);
  const barWidth = Math.max(2, slot * 0.7);
  const plot = height - axis;
  const fill = (color: string) => theme.colors[color]?.[6] ?? color;
  return (
    <div data-testid={testId}>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={label}>
        {data.map((row, i) => {
          let top = plot;
          const category = String(row[categoryKey]);
          const title = `${category}: ${series.map((s) => `${s.name} ${row[s.name] ?? 0}`).join(', ')}`;
          return (
            <g key={category}>
              <title>{title}</title>
              {series.map((s) => {
                const value = Number(row[s.name] ?? 0);
                const h = (value / max) * (plot - 4);
                top -= h;
                return value > 0 ? (
                  <rect
                    key={s.name}
                    x={i * slot + (slot - barWidth) / 2}
                    y={top}
                    width={barWidth}
                    height={h}
                    fill={fill(s.color)}
                  />
                ) : null;
              })}
              {i % 5 === 0 && (
                <text
                  x={i * slot + slot / 2}
                  y={height - 4}
                  fontSize="11"
                  textAnchor="middle"
                  fill={theme.colors.gray[7]}
                >
                  {category}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <Group gap="md" mt="xs">
        {series.map((s) => (
          <Group key={s.name} gap={6}>
            <svg width="10" height="10" aria-hidden="true">
              <rect width="10" height="10" fill={fill(s.color)} />
            </svg>
            <Text size="xs">{s.name}</Text>
          </Group>
        ))}
      </Group>
    </div>
  );
}
