/**
 * The HTML report's own drawing code (inlined, no network): it reads the data block with textContent and
 * hands it to uPlot. Time charts carry each profile's marks: a dashed line where its load ended, the
 * drain after it shaded, fault windows as red bands, other phases as dotted lines, each named.
 */
export const SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('tailgate-data').textContent);
  var colors = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#db2777', '#65a30d'];
  var width = function (el) { return Math.max(480, el.clientWidth - 20); };
  function marks() {
    return { hooks: { draw: [function (u) {
      var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height, left = u.bbox.left, right = left + u.bbox.width;
      var x = function (t) { return Math.min(right, Math.max(left, u.valToPos(t, 'x', true))); };
      ctx.save(); ctx.font = '11px sans-serif'; ctx.textAlign = 'left'; ctx.textBaseline = 'alphabetic';
      // Every profile meets the scenario's same windows: each is drawn once, to the last profile's end.
      var windows = {};
      data.marks.forEach(function (m) {
        m.windows.forEach(function (w) {
          var key = w.t + '/' + w.name;
          windows[key] = { t: w.t, name: w.name, endT: Math.max(w.endT, windows[key] ? windows[key].endT : 0) };
        });
      });
      Object.keys(windows).forEach(function (key) {
        var w = windows[key];
        ctx.fillStyle = 'rgba(220,38,38,0.10)';
        ctx.fillRect(x(w.t), top, Math.max(1, x(w.endT) - x(w.t)), h);
        ctx.fillStyle = '#b91c1c'; ctx.fillText(w.name, x(w.t) + 3, top + h - 18);
      });
      data.marks.forEach(function (m, i) {
        var color = colors[i % colors.length];
        ctx.fillStyle = 'rgba(120,120,120,0.10)';
        ctx.fillRect(x(m.loadEndT), top, x(m.endT) - x(m.loadEndT), h);
        ctx.strokeStyle = color; ctx.setLineDash([6, 3]); ctx.beginPath();
        ctx.moveTo(x(m.loadEndT), top); ctx.lineTo(x(m.loadEndT), top + h); ctx.stroke();
        ctx.fillStyle = color; ctx.fillText('load end · drain', x(m.loadEndT) + 3, top + 12 + 12 * i);
        ctx.strokeStyle = '#888'; ctx.setLineDash([2, 3]);
        m.phases.forEach(function (ph) {
          ctx.beginPath(); ctx.moveTo(x(ph.t), top); ctx.lineTo(x(ph.t), top + h); ctx.stroke();
          ctx.fillStyle = '#555'; ctx.fillText(ph.name, x(ph.t) + 3, top + h - 6);
        });
      });
      ctx.restore();
    }] } };
  }
  function chart(id, opts, rows) {
    var el = document.getElementById(id);
    if (!el) return;
    opts.width = width(el); opts.height = 300;
    window.tailgateCharts.push(new uPlot(opts, rows, el));
  }
  window.tailgateCharts = [];
  var pctTicks = function (u, vals) { return vals.map(function (v) { var p = 100 * (1 - Math.pow(10, -v)); return v === 0 ? 'p0' : 'p' + (+p.toFixed(4)); }); };
  function spectrumChart(id, series, what) {
    chart(id, {
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [{ label: 'percentile', values: pctTicks, splits: function () { return [0, 1, 2, 3, 4]; } }, { label: what + ' (ms, log)' }],
      series: [{ label: 'percentile', value: function (u, v) { return v == null ? '' : 'p' + (+(100 * (1 - Math.pow(10, -v))).toFixed(4)); } }].concat(data.profiles.map(function (name, i) {
        return { label: name, stroke: colors[i % colors.length], width: 2, value: function (u, v) { return v == null ? '' : v.toFixed(2) + ' ms'; } };
      }))
    }, [data.spectrum.x].concat(series));
  }
  // Time charts run to the end of the last drain, where the marks are.
  var timeX = { time: false, range: function (u, min, max) { return [0, Math.max(data.xMax, max)]; } };
  var timeSeries = function (suffix, dash) {
    return data.profiles.map(function (name, i) { return { label: name + suffix, stroke: colors[i % colors.length], width: 2, dash: dash, spanGaps: true }; });
  };
  function percentilesOverTime(id, t, p50, p99, what) {
    chart(id, {
      scales: { x: timeX, y: { distr: 3 } }, plugins: [marks()],
      axes: [{ label: 'seconds' }, { label: what + ' (ms, log)' }],
      series: [{ label: 't' }].concat(timeSeries(' p50', [])).concat(timeSeries(' p99', [6, 3]))
    }, [t].concat(p50).concat(p99));
  }
  spectrumChart('chart-spectrum', data.spectrum.series, 'latency');
  percentilesOverTime('chart-latency', data.timeline.t, data.timeline.p50, data.timeline.p99, 'latency');
  chart('chart-throughput', {
    scales: { x: timeX }, plugins: [marks()],
    axes: [{ label: 'seconds' }, { label: 'requests / s' }],
    series: [{ label: 't' }].concat(timeSeries(' ok', [])).concat(timeSeries(' failed', [2, 3]))
  }, [data.timeline.t].concat(data.timeline.ok).concat(data.timeline.failed));
  chart('chart-errors', {
    scales: { x: timeX }, plugins: [marks()],
    axes: [{ label: 'seconds' }, { label: 'failed attempts / s' }],
    series: [{ label: 't' }].concat(data.errors.series.map(function (s, i) { return { label: s.label, stroke: colors[(i + 3) % colors.length], width: 2 }; }))
  }, [data.errors.t].concat(data.errors.series.map(function (s) { return s.values; })));
  chart('chart-connections', {
    scales: { x: timeX }, plugins: [marks()],
    axes: [{ label: 'seconds' }, { label: 'per second' }],
    series: [{ label: 't' }].concat(timeSeries(' opened', [])).concat(timeSeries(' reused', [6, 3]))
  }, [data.timeline.t].concat(data.timeline.opened).concat(data.timeline.reused));
  if (data.streams) {
    spectrumChart('chart-ttft-spectrum', data.streams.ttft, 'time to first token');
    spectrumChart('chart-itl-spectrum', data.streams.itl, 'gap between tokens');
    percentilesOverTime('chart-ttft', data.streams.t, data.streams.ttftP50, data.streams.ttftP99, 'time to first token');
    percentilesOverTime('chart-itl', data.streams.t, data.streams.itlP50, data.streams.itlP99, 'gap between tokens');
  }
  document.body.setAttribute('data-charts-drawn', String(window.tailgateCharts.length));
})();`;
