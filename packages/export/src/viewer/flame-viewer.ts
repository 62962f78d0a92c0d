// @ts-nocheck -- browser code: this function's source text is embedded in the HTML page (see
// html.ts) and runs there, not in Node. Keep it self-contained: no imports, no outer helpers.
//
// The interactive flame graph: canvas rendering (only frames at least half a pixel wide are laid
// out, so the cost is bounded by the screen, not the profile), click to zoom, reset, search with
// the matched share, tooltip, icicle and callers (inverted) views, thread selector, colours by
// category, and a differential mode. window.__stackringFlame is a read-only view of what is drawn,
// for tests and debugging.

export function flameViewer(data, frameColour) {
  const ROW = 18;
  const $ = (id) => document.getElementById(id);
  const chart = $('chart');
  const canvas = $('flame');
  const ctx = canvas.getContext('2d');
  const tooltip = $('tooltip');
  const status = $('status');
  const threadSelect = $('thread');
  const weightSelect = $('weight');
  const searchInput = $('search');
  const icicleBox = $('icicle');
  const callersBox = $('callers');
  const frames = {
    name: data.frames.name.slice(),
    file: data.frames.file.slice(),
    line: data.frames.line.slice(),
    category: data.frames.category.slice(),
  };
  const keys = data.diff ? ['samples', 'time', 'baseSamples', 'baseTime'] : ['samples', 'time'];

  // Sources: every thread, and all of them merged (each under a frame naming it) when several.
  const sources = data.threads.slice();
  if (sources.length > 1) sources.unshift(mergeThreads(data.threads));
  sources.forEach((s, i) => threadSelect.add(new Option(s.name, String(i))));

  function mergeThreads(trees) {
    const merged = { name: 'All threads', parent: [-1], frame: [0] };
    for (const k of keys) merged[k] = [0];
    for (const tree of trees) {
      frames.name.push(tree.name);
      frames.file.push('');
      frames.line.push(0);
      frames.category.push('other');
      const threadNode = merged.parent.length;
      merged.parent.push(0);
      merged.frame.push(frames.name.length - 1);
      for (const k of keys) merged[k].push(tree[k] ? tree[k][0] : 0);
      const offset = merged.parent.length - 1;
      for (let i = 1; i < tree.parent.length; i++) {
        merged.parent.push(tree.parent[i] === 0 ? threadNode : offset + tree.parent[i]);
        merged.frame.push(tree.frame[i]);
        for (const k of keys) merged[k].push(tree[k] ? tree[k][i] : 0);
      }
    }
    return merged;
  }

  // A view: totals per weight, children sorted by name, depth. Callers view: the tree inverted,
  // leaves first, each path weighed by the self weight of the stack it came from.
  const views = new Map();
  function view(index, callers) {
    const cacheKey = index + (callers ? 'c' : 't');
    if (views.has(cacheKey)) return views.get(cacheKey);
    const src = sources[index];
    const n = src.parent.length;
    let parent, frame;
    const total = {};
    if (!callers) {
      parent = src.parent;
      frame = src.frame;
      for (const k of keys) {
        const t = Float64Array.from(src[k]);
        for (let i = n - 1; i > 0; i--) t[parent[i]] += t[i];
        total[k] = t;
      }
    } else {
      parent = [-1];
      frame = [0];
      const sums = keys.map(() => [0]);
      const childOf = new Map();
      for (let i = 1; i < n; i++) {
        let any = false;
        for (const k of keys) if (src[k][i] !== 0) any = true;
        if (!any) continue;
        keys.forEach((k, j) => (sums[j][0] += src[k][i]));
        let cur = 0;
        for (let s = i; s > 0; s = src.parent[s]) {
          const key = cur * 2097152 + src.frame[s];
          let next = childOf.get(key);
          if (next === undefined) {
            next = parent.length;
            parent.push(cur);
            frame.push(src.frame[s]);
            sums.forEach((col) => col.push(0));
            childOf.set(key, next);
          }
          keys.forEach((k, j) => (sums[j][next] += src[k][i]));
          cur = next;
        }
      }
      keys.forEach((k, j) => (total[k] = Float64Array.from(sums[j])));
    }
    const size = parent.length;
    const children = Array.from({ length: size }, () => []);
    const depth = new Int32Array(size);
    for (let i = 1; i < size; i++) {
      children[parent[i]].push(i);
      depth[i] = depth[parent[i]] + 1;
    }
    const byName = (a, b) => {
      const x = frames.name[frame[a]];
      const y = frames.name[frame[b]];
      return x < y ? -1 : x > y ? 1 : 0;
    };
    for (const list of children) list.sort(byName);
    const self = {};
    for (const k of keys) {
      const s = Float64Array.from(total[k]);
      for (let i = 1; i < size; i++) s[parent[i]] -= total[k][i];
      self[k] = s;
    }
    const v = { parent, frame, total, self, children, depth, size, name: src.name };
    views.set(cacheKey, v);
    return v;
  }

  const state = { thread: 0, weight: 'time', icicle: false, callers: false, zoom: 0, search: '' };
  let drawn = [];
  let rows = [];
  let matchShare = 0;
  let matched = 0;
  let canvasHeight = 0;
  const colourCache = new Map();

  function colourOf(v, node) {
    if (data.diff) return diffColour(v, node);
    const f = v.frame[node];
    let c = colourCache.get(f);
    if (c === undefined) colourCache.set(f, (c = frameColour(frames.category[f], frames.name[f])));
    return c;
  }

  // Red: a larger share of self time than in the baseline (slower); blue: smaller (faster).
  function diffColour(v, node) {
    const after = state.weight === 'time' ? 'time' : 'samples';
    const before = state.weight === 'time' ? 'baseTime' : 'baseSamples';
    if (!v.maxDelta) {
      let max = 0;
      v.delta = new Float64Array(v.size);
      const a = v.total[after][0] || 1;
      const b = v.total[before][0] || 1;
      for (let i = 0; i < v.size; i++) {
        v.delta[i] = v.self[after][i] / a - v.self[before][i] / b;
        max = Math.max(max, Math.abs(v.delta[i]));
      }
      v.maxDelta = max || 1;
      v.deltaWeight = state.weight;
    }
    const k = Math.round(200 * Math.min(1, Math.abs(v.delta[node]) / v.maxDelta));
    if (v.delta[node] > 0) return `rgb(255, ${240 - k}, ${240 - k})`;
    if (v.delta[node] < 0) return `rgb(${240 - k}, ${240 - k}, 255)`;
    return 'rgb(232, 232, 232)';
  }

  function matcher() {
    const q = state.search.trim();
    if (q === '') return null;
    if (q.length > 2 && q.startsWith('/') && q.endsWith('/')) {
      try {
        const re = new RegExp(q.slice(1, -1), 'i');
        return (name) => re.test(name);
      } catch {
        return null;
      }
    }
    const lower = q.toLowerCase();
    return (name) => name.toLowerCase().includes(lower);
  }

  function render() {
    const v = view(state.thread, state.callers);
    if (data.diff && v.deltaWeight !== state.weight) v.maxDelta = 0;
    const total = v.total[state.weight];
    const padding = parseFloat(getComputedStyle(chart).paddingLeft) + parseFloat(getComputedStyle(chart).paddingRight);
    const width = Math.max(200, chart.clientWidth - padding);
    const match = matcher();
    const isMatch = new Uint8Array(v.size);
    // Matched share: nodes that match, without counting a match under a match twice.
    matched = 0;
    if (match) {
      const stack = [0];
      while (stack.length > 0) {
        const n = stack.pop();
        if (n !== 0 && match(frames.name[v.frame[n]])) {
          matched += total[n];
          markSubtree(v, n, isMatch, match);
          continue;
        }
        for (const c of v.children[n]) stack.push(c);
      }
    }
    matchShare = total[0] > 0 ? matched / total[0] : 0;

    drawn = [];
    const ancestors = [];
    for (let n = state.zoom; n >= 0; n = v.parent[n]) ancestors.unshift(n);
    ancestors.forEach((n, d) => drawn.push({ node: n, x: 0, w: width, depth: d, dim: n !== state.zoom }));
    const scale = total[state.zoom] > 0 ? width / total[state.zoom] : 0;
    const stack = [[state.zoom, 0, ancestors.length - 1]];
    while (stack.length > 0) {
      const [node, x, depth] = stack.pop();
      let cx = x;
      for (const c of v.children[node]) {
        const w = total[c] * scale;
        if (w >= 0.5) {
          drawn.push({ node: c, x: cx, w, depth: depth + 1, dim: false });
          stack.push([c, cx, depth + 1]);
        }
        cx += w;
      }
    }
    let maxDepth = 0;
    for (const r of drawn) maxDepth = Math.max(maxDepth, r.depth);
    canvasHeight = (maxDepth + 1) * ROW;
    const dpr = window.devicePixelRatio || 1;
    canvas.style.width = width + 'px';
    canvas.style.height = canvasHeight + 'px';
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(canvasHeight * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, canvasHeight);
    ctx.font = '12px Menlo, Consolas, "DejaVu Sans Mono", monospace';
    ctx.textBaseline = 'middle';
    const charWidth = ctx.measureText('m').width || 7;
    rows = [];
    for (const r of drawn) {
      r.y = state.icicle ? r.depth * ROW : canvasHeight - (r.depth + 1) * ROW;
      r.h = ROW - 1;
      r.match = isMatch[r.node] === 1;
      (rows[r.depth] || (rows[r.depth] = [])).push(r);
      ctx.globalAlpha = r.dim ? 0.55 : 1;
      ctx.fillStyle = r.match ? '#e040fb' : colourOf(v, r.node);
      ctx.fillRect(r.x, r.y, Math.max(r.w - 0.5, 0.5), r.h);
      const chars = Math.floor((r.w - 6) / charWidth);
      if (chars >= 3) {
        const name = label(v, r.node);
        // Dark text, except on the deepest diff colours where white reads better.
        ctx.fillStyle = data.diff && !r.match && v.delta && Math.abs(v.delta[r.node]) / v.maxDelta > 0.6 ? '#fff' : '#1a1a1a';
        ctx.fillText(name.length <= chars ? name : name.slice(0, chars - 1) + '…', r.x + 3, r.y + r.h / 2 + 0.5);
      }
    }
    ctx.globalAlpha = 1;
    const unit = state.weight === 'time' ? ' ms' : ' samples';
    const zoomText = state.zoom === 0 ? '' : ` · zoomed to ${label(v, state.zoom)} (${pct(total[state.zoom], total[0])})`;
    const searchText = match ? ` · Matched: ${(matchShare * 100).toFixed(2)}% (${round(matched)}${unit})` : '';
    status.textContent = `${v.name}: ${round(v.total.samples[0])} samples, ${round(v.total.time[0])} ms${zoomText}${searchText}`;
  }

  function markSubtree(v, n, isMatch, match) {
    const stack = [n];
    isMatch[n] = 1;
    while (stack.length > 0) {
      const m = stack.pop();
      for (const c of v.children[m]) {
        if (match(frames.name[v.frame[c]])) isMatch[c] = 1;
        stack.push(c);
      }
    }
  }

  function label(v, node) {
    return node === 0 ? v.name : frames.name[v.frame[node]];
  }
  function round(x) {
    return Math.round(x * 10) / 10;
  }
  function pct(part, whole) {
    return whole > 0 ? ((part / whole) * 100).toFixed(2) + '%' : '0%';
  }

  function rectAt(event) {
    const box = canvas.getBoundingClientRect();
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    const depth = state.icicle ? Math.floor(y / ROW) : Math.floor((canvasHeight - y) / ROW);
    for (const r of rows[depth] || []) if (x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + ROW) return r;
    return null;
  }

  function tooltipText(v, node) {
    const f = v.frame[node];
    const lines = [label(v, node)];
    if (node !== 0 && frames.file[f]) lines.push(frames.line[f] > 0 ? `${frames.file[f]}:${frames.line[f]}` : frames.file[f]);
    const w = v.total[state.weight];
    lines.push(`${round(v.total.samples[node])} samples, ${round(v.total.time[node])} ms (${pct(w[node], w[0])})`);
    lines.push(`self: ${round(v.self.samples[node])} samples, ${round(v.self.time[node])} ms`);
    if (data.diff) {
      const bw = v.total[state.weight === 'time' ? 'baseTime' : 'baseSamples'];
      lines.push(`baseline: ${round(v.total.baseSamples[node])} samples, ${round(v.total.baseTime[node])} ms (${pct(bw[node], bw[0])})`);
    }
    return lines.join('\n');
  }

  canvas.addEventListener('mousemove', (event) => {
    const r = rectAt(event);
    if (!r) {
      tooltip.hidden = true;
      canvas.style.cursor = 'default';
      return;
    }
    canvas.style.cursor = 'pointer';
    tooltip.textContent = tooltipText(view(state.thread, state.callers), r.node);
    tooltip.hidden = false;
    const x = Math.min(event.clientX + 14, window.innerWidth - tooltip.offsetWidth - 8);
    const y = event.clientY + 16 + tooltip.offsetHeight > window.innerHeight ? event.clientY - tooltip.offsetHeight - 10 : event.clientY + 16;
    tooltip.style.left = Math.max(4, x) + 'px';
    tooltip.style.top = Math.max(4, y) + 'px';
  });
  canvas.addEventListener('mouseleave', () => (tooltip.hidden = true));
  canvas.addEventListener('click', (event) => {
    const r = rectAt(event);
    if (!r) return;
    state.zoom = r.node;
    render();
  });
  $('reset').addEventListener('click', () => {
    state.zoom = 0;
    render();
  });
  // A flame graph grows upwards from its root: deeper than the window, it would open on a
  // blank top with the root and the widest frames out of sight. Bring the root into view.
  function showRoot() {
    if (!state.icicle) canvas.scrollIntoView({ block: 'end' });
  }

  threadSelect.addEventListener('change', () => {
    state.thread = Number(threadSelect.value);
    state.zoom = 0;
    render();
    showRoot();
  });
  weightSelect.addEventListener('change', () => {
    state.weight = weightSelect.value;
    render();
  });
  icicleBox.addEventListener('change', () => {
    state.icicle = icicleBox.checked;
    render();
    if (state.icicle) window.scrollTo(0, 0);
    else showRoot();
  });
  callersBox.addEventListener('change', () => {
    state.callers = callersBox.checked;
    state.zoom = 0;
    render();
    showRoot();
  });
  searchInput.addEventListener('input', () => {
    state.search = searchInput.value;
    render();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      state.zoom = 0;
      render();
    }
  });
  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 50);
  });

  Object.defineProperty(window, '__stackringFlame', {
    value: Object.freeze({
      rects: () =>
        drawn.map((r) => {
          const v = view(state.thread, state.callers);
          return { name: label(v, r.node), x: r.x, y: r.y, w: r.w, h: r.h, depth: r.depth, dim: r.dim, match: r.match };
        }),
      state: () => ({ ...state, matchShare, matched, threads: sources.map((s) => s.name), canvasHeight }),
    }),
  });
  render();
  showRoot();
}
