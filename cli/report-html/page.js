// Draws the report's charts with uPlot from the JSON the report embeds. Markers are elements
// over each plot, placed with the chart's own scales, so they can be hovered (on screen),
// listed (in print) and measured (by the browser test). Runs offline: nothing is fetched.
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const COLORS = {
    quantity: '#1d4ed8',
    low: '#d97706',
    high: '#7c3aed',
    price: '#15803d',
  };
  const stepped = uPlot.paths.stepped({ align: 1 });
  const screenSize = (el) => ({ width: Math.max(480, el.clientWidth), height: 300 });
  const PRINT_SIZE = { width: 680, height: 260 };

  /** Alerts sit on the quantity line; effects just above, so one made with its alert shows too. */
  const EFFECT_RAISE_PX = 14;
  const isTransition = (kind) => kind === 'triggered' || kind === 'resolved';

  /** Positions every marker of a chart at its time (x) and the quantity then (y). */
  const placeMarkers = (item) => (u) => {
    const bottom = u.over.clientHeight;
    for (const el of u.over.querySelectorAll('.marker')) {
      const marker = item.markers[Number(el.dataset.index)];
      el.style.left = `${u.valToPos(marker.at / 1000, 'x')}px`;
      const onLine = marker.quantity === null ? bottom : u.valToPos(marker.quantity, 'y');
      const y = isTransition(marker.kind) ? onLine : onLine - EFFECT_RAISE_PX * (1 + marker.stack);
      el.style.top = `${Math.min(bottom, Math.max(0, y))}px`;
    }
  };

  const addMarkers = (u, item) => {
    item.markers.forEach((marker, index) => {
      const el = document.createElement('span');
      el.className = `marker marker-${marker.kind}${marker.level ? ` level-${marker.level}` : ''}`;
      el.dataset.index = String(index);
      el.dataset.kind = marker.kind;
      const label = `${marker.label}, ${new Date(marker.at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
      el.dataset.label = label;
      el.setAttribute('aria-label', label);
      el.setAttribute('role', 'img');
      el.tabIndex = 0;
      u.over.appendChild(el);
    });
  };

  const chartOf = (item, index) => {
    const el = document.getElementById(`chart-${index}`);
    /** A stepped line; a threshold's also shades its band, down to the floor or up to the top. */
    const line = (label, stroke, band) => ({
      label,
      stroke,
      width: 2,
      paths: stepped,
      points: { show: false },
      ...(band ? { fill: band.fill, fillTo: band.fillTo } : {}),
    });
    const series = [
      {},
      line('quantity', COLORS.quantity),
      line('low stock at or below', COLORS.low, {
        fill: 'rgba(217, 119, 6, 0.12)',
        fillTo: (u) => u.scales.y.min,
      }),
      line('overstock at or above', COLORS.high, {
        fill: 'rgba(124, 58, 237, 0.10)',
        fillTo: (u) => u.scales.y.max,
      }),
    ];
    const columns = [item.times, item.quantity, item.low, item.high];
    const axes = [{}, { label: 'quantity' }];
    if (item.price) {
      series.push({
        label: 'price',
        scale: 'price',
        stroke: COLORS.price,
        width: 1.5,
        dash: [6, 4],
        paths: stepped,
        points: { show: false },
      });
      columns.push(item.price);
      axes.push({ scale: 'price', side: 1, label: 'price', grid: { show: false } });
    }
    const opts = {
      ...screenSize(el),
      // Axis labels in UTC, as the rest of the report.
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
      scales: {
        x: { time: true },
        y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.ceil((max ?? 10) * 1.15) + 1] },
      },
      axes,
      series,
      hooks: {
        ready: [
          (u) => {
            addMarkers(u, item);
            placeMarkers(item)(u);
          },
        ],
        draw: [placeMarkers(item)],
      },
    };
    const plot = new uPlot(opts, columns, el);
    return { sku: item.sku, location: item.location, plot, element: el };
  };

  const charts = data.charts.map(chartOf);
  // Exposed for the browser test, which reads each chart's own scales.
  window.reportCharts = charts;

  window.addEventListener('beforeprint', () => {
    for (const details of document.querySelectorAll('details')) details.open = true;
    for (const { plot } of charts) plot.setSize(PRINT_SIZE);
  });
  window.addEventListener('afterprint', () => {
    for (const { plot, element } of charts) plot.setSize(screenSize(element));
  });
})();
