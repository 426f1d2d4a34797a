import type { StepReport } from '@llm-sim/factory/browser';
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Chart, type ChartOption } from './chart.tsx';
import { SimulationWorker } from './client.ts';
import { change, fmt, fmtMs } from './format.ts';
import type { Catalog, Roof, RunView } from './protocol.ts';
import { DEFAULT_STATE, cliCommand, configFromState, searchFromState, stateFromSearch, stepRequestFromState, type WebState } from './state.ts';
import { traceLabel } from './traces.ts';

const CURRENT = '#2563eb';
const PINNED = '#f97316';

/** The URL of the page for a state and the state it is compared with. */
function urlOf(state: WebState, pinned: WebState | undefined): string {
  const search = searchFromState(state);
  if (!pinned) return search || '?';
  const pin = `pin=${encodeURIComponent(searchFromState(pinned) || '?')}`;
  return search ? `${search}&${pin}` : `?${pin}`;
}

function initialStates(): { state: WebState; pinned: WebState | undefined } {
  const params = new URLSearchParams(location.search);
  const pin = params.get('pin');
  params.delete('pin');
  return { state: stateFromSearch(params.toString()), pinned: pin === null ? undefined : stateFromSearch(pin) };
}

type Outcome<T> = { status: 'idle' | 'running' } | { status: 'done'; value: T } | { status: 'error'; message: string };

/** Runs `ask` in the worker whenever `key` changes (after a short pause, so a dragged control runs once). */
function useWorkerResult<T>(worker: SimulationWorker, key: string | undefined, ask: () => { id: number; response: Promise<unknown> }, pick: (response: any) => T): Outcome<T> {
  const [outcome, setOutcome] = useState<Outcome<T>>({ status: 'idle' });
  const latest = useRef(0);
  useEffect(() => {
    if (key === undefined) {
      setOutcome({ status: 'idle' });
      return;
    }
    setOutcome({ status: 'running' });
    const timer = setTimeout(() => {
      const { id, response } = ask();
      latest.current = id;
      void response.then((r: any) => {
        if (id !== latest.current) return; // a newer question is on its way
        setOutcome(r.ok ? { status: 'done', value: pick(r) } : { status: 'error', message: r.message });
      });
    }, 120);
    return () => clearTimeout(timer);
  }, [key]);
  return outcome;
}

export function App() {
  const worker = useMemo(() => new SimulationWorker(), []);
  const initial = useMemo(initialStates, []);
  const [state, setState] = useState<WebState>(initial.state);
  const [pinned, setPinned] = useState<WebState | undefined>(initial.pinned);
  const [catalog, setCatalog] = useState<Catalog | undefined>();

  useEffect(() => {
    void worker.request({ kind: 'catalog' }).response.then((r) => r.ok && r.kind === 'catalog' && setCatalog(r.catalog));
  }, []);
  useEffect(() => {
    history.replaceState(null, '', urlOf(state, pinned));
  }, [state, pinned]);

  const set = <K extends keyof WebState>(key: K, value: WebState[K]) => setState((s) => ({ ...s, [key]: value }));
  const simulateKey = state.view === 'simulate' ? searchFromState({ ...state, view: 'simulate' }) : undefined;
  const current = useWorkerResult<RunView>(worker, simulateKey, () => worker.request({ kind: 'simulate', config: configFromState(state) }), (r) => r.run);
  const pinnedKey = pinned && state.view === 'simulate' ? `pin${searchFromState(pinned)}` : undefined;
  const pinnedRun = useWorkerResult<RunView>(worker, pinnedKey, () => worker.request({ kind: 'simulate', config: configFromState(pinned!) }), (r) => r.run);
  const stepKey = state.view === 'step' ? searchFromState(state) : undefined;
  const step = useWorkerResult<{ step: StepReport; roof: Roof }>(worker, stepKey, () => worker.request({ kind: 'step', request: stepRequestFromState(state) }), (r) => r);

  const command = cliCommand(state);
  const busy = current.status === 'running' || step.status === 'running' || pinnedRun.status === 'running';
  return (
    <div class="page" data-busy={busy ? 'true' : 'false'}>
      <header>
        <h1>llm-sim</h1>
        <p class="tagline">How fast does an LLM serve on this hardware? vLLM's scheduler simulated in your browser, priced by a roofline or measured kernels.</p>
        <nav>
          {(['simulate', 'step'] as const).map((view) => (
            <button type="button" class={state.view === view ? 'tab active' : 'tab'} data-view={view} onClick={() => set('view', view)}>
              {view === 'simulate' ? 'Serve a workload' : 'One engine step'}
            </button>
          ))}
        </nav>
      </header>
      <main>
        <Controls state={state} set={set} catalog={catalog} />
        <section class="results">
          <div class="command">
            <code id="cli-command">{command}</code>
            <button type="button" onClick={() => void navigator.clipboard?.writeText(command)}>Copy</button>
          </div>
          {state.view === 'simulate' ? (
            <SimulateView state={state} current={current} pinned={pinned} pinnedRun={pinnedRun} onPin={() => setPinned(state)} onUnpin={() => setPinned(undefined)} worker={worker} />
          ) : (
            <StepView outcome={step} />
          )}
        </section>
      </main>
      <footer>
        Same settings and seed, same numbers as the <code>llm-sim</code> command above (
        <a href="https://github.com/llm-sim/llm-sim">llm-sim on GitHub</a>). Nothing leaves this page: the simulation runs in a Web Worker.
      </footer>
    </div>
  );
}

type Setter = <K extends keyof WebState>(key: K, value: WebState[K]) => void;

function Field({ label, children, hint }: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    <label class="field" title={hint}>
      <span>{label}</span>
      {children}
    </label>
  );
}

function NumberInput({ name, state, set, min = 0, step = 1, max }: { name: keyof WebState; state: WebState; set: Setter; min?: number; step?: number; max?: number }) {
  return (
    <input
      type="number"
      name={name}
      value={String(state[name])}
      min={min}
      max={max}
      step={step}
      onInput={(e) => {
        const value = Number((e.target as HTMLInputElement).value);
        if (Number.isFinite(value) && (e.target as HTMLInputElement).value !== '') set(name, value as never);
      }}
    />
  );
}

function Select<K extends keyof WebState>({ name, state, set, options }: { name: K; state: WebState; set: Setter; options: readonly (readonly [string, string])[] }) {
  const value = String(state[name]);
  const known = options.some(([v]) => v === value);
  return (
    <select name={name} value={value} onChange={(e) => set(name, (e.target as HTMLSelectElement).value as WebState[K])}>
      {!known && <option value={value}>{value}</option>}
      {options.map(([v, text]) => (
        <option value={v}>{text}</option>
      ))}
    </select>
  );
}

function Controls({ state, set, catalog }: { state: WebState; set: Setter; catalog: Catalog | undefined }) {
  const models = (catalog?.models ?? [{ name: state.model, params: 0, activeParams: 0 }]).map((m) => [m.name, m.params ? `${m.name} (${fmt(m.params / 1e9, 1)}B)` : m.name] as const);
  const xpus = (catalog?.xpus ?? [{ name: state.xpu, memoryGB: 0 }]).map((x) => [x.name, x.memoryGB ? `${x.name} (${fmt(x.memoryGB, 0)} GB)` : x.name] as const);
  const calibrations = [['', 'picked for the deployment'] as const, ...(catalog?.calibrations ?? []).map((c) => [c, c.replace('benchmark_data/calibration/', '')] as const)];
  const traces = [['', 'synthetic lengths'] as const, ...(catalog?.traces ?? []).map((t) => [t, traceLabel(t)] as const)];
  const simulate = state.view === 'simulate';
  return (
    <form class="controls" onSubmit={(e) => e.preventDefault()}>
      <fieldset>
        <legend>Deployment</legend>
        <Field label="model">
          <Select name="model" state={state} set={set} options={models} />
        </Field>
        <Field label="xpu">
          <Select name="xpu" state={state} set={set} options={xpus} />
        </Field>
        <div class="row">
          <Field label="TP">
            <NumberInput name="tp" state={state} set={set} min={1} />
          </Field>
          <Field label="PP">
            <NumberInput name="pp" state={state} set={set} min={1} />
          </Field>
        </div>
        <div class="row">
          <Field label="quantization">
            <Select name="quantization" state={state} set={set} options={[['none', 'none (published dtype)'], ['fp8', 'fp8'], ['awq', 'awq'], ['gptq', 'gptq']]} />
          </Field>
          <Field label="GPU memory util.">
            <NumberInput name="gpuMemoryUtilization" state={state} set={set} min={0.05} max={1} step={0.01} />
          </Field>
        </div>
        <Field label="performance model">
          <Select name="performanceModel" state={state} set={set} options={[['vllm_roofline', 'vllm_roofline (calibrated)'], ['roofline', 'roofline (spec sheet)']]} />
        </Field>
        {state.performanceModel === 'vllm_roofline' && (
          <Field label="calibration">
            <Select name="calibrationData" state={state} set={set} options={calibrations} />
          </Field>
        )}
      </fieldset>
      {simulate ? (
        <>
          <fieldset>
            <legend>Cluster</legend>
            <Field label="layout">
              <Select name="cluster" state={state} set={set} options={[['aggregated', 'aggregated (replicas)'], ['disaggregated', 'disaggregated (xPyD)']]} />
            </Field>
            {state.cluster === 'aggregated' ? (
              <Field label="replicas">
                <NumberInput name="numReplicas" state={state} set={set} min={1} />
              </Field>
            ) : (
              <>
                <div class="row">
                  <Field label="prefill instances">
                    <NumberInput name="prefillInstances" state={state} set={set} min={1} />
                  </Field>
                  <Field label="prefill TP">
                    <NumberInput name="prefillTp" state={state} set={set} min={1} />
                  </Field>
                </div>
                <div class="row">
                  <Field label="decode instances">
                    <NumberInput name="decodeInstances" state={state} set={set} min={1} />
                  </Field>
                  <Field label="decode TP">
                    <NumberInput name="decodeTp" state={state} set={set} min={1} />
                  </Field>
                </div>
              </>
            )}
          </fieldset>
          <fieldset>
            <legend>Workload</legend>
            <Field label="dataset">
              <Select name="trace" state={state} set={set} options={traces} />
            </Field>
            {state.trace && (
              <Field label="arrivals">
                <Select
                  name="traceSample"
                  state={state}
                  set={(k, v) => set(k, (String(v) === 'true') as never)}
                  options={[['true', "trace's lengths at the request rate"], ['false', "replay the trace's arrival times"]]}
                />
              </Field>
            )}
            <div class="row">
              <Field label="requests">
                <NumberInput name="numRequests" state={state} set={set} min={1} />
              </Field>
              {(!state.trace || state.traceSample) && (
                <Field label="rate (req/s)" hint="requests per second (Poisson); inf sends all at once">
                  <input
                    name="requestRate"
                    value={String(state.requestRate)}
                    onInput={(e) => {
                      const text = (e.target as HTMLInputElement).value.trim();
                      if (text === 'inf') set('requestRate', 'inf');
                      else if (Number(text) > 0) set('requestRate', Number(text));
                    }}
                  />
                </Field>
              )}
            </div>
            <input
              type="range"
              name="requestRateSlider"
              aria-label="request rate"
              min={0}
              max={100}
              step={0.5}
              value={state.requestRate === 'inf' ? 100 : state.requestRate}
              onInput={(e) => set('requestRate', Math.max(0.5, Number((e.target as HTMLInputElement).value)))}
            />
            {!state.trace && (
              <div class="row">
                <Field label="input tokens" hint="N, uniform:MIN:MAX or normal:MEAN:STD">
                  <input name="inputLen" value={state.inputLen} onChange={(e) => set('inputLen', (e.target as HTMLInputElement).value)} />
                </Field>
                <Field label="output tokens" hint="N, uniform:MIN:MAX or normal:MEAN:STD">
                  <input name="outputLen" value={state.outputLen} onChange={(e) => set('outputLen', (e.target as HTMLInputElement).value)} />
                </Field>
              </div>
            )}
            <div class="row">
              <Field label="max concurrency" hint="0: no limit">
                <NumberInput name="maxConcurrency" state={state} set={set} />
              </Field>
              <Field label="seed">
                <NumberInput name="seed" state={state} set={set} min={-1e9} />
              </Field>
            </div>
          </fieldset>
          <fieldset>
            <legend>SLOs (ms, 0 = none)</legend>
            <div class="row">
              <Field label="TTFT">
                <NumberInput name="ttftSloMs" state={state} set={set} />
              </Field>
              <Field label="TPOT">
                <NumberInput name="tpotSloMs" state={state} set={set} />
              </Field>
              <Field label="E2EL">
                <NumberInput name="e2elSloMs" state={state} set={set} />
              </Field>
            </div>
          </fieldset>
        </>
      ) : (
        <fieldset>
          <legend>Step</legend>
          <Field label="phase">
            <Select name="phase" state={state} set={set} options={[['decode', 'decode'], ['prefill', 'prefill']]} />
          </Field>
          <Field label="batch size (sequences)">
            <NumberInput name="batchSize" state={state} set={set} min={1} />
          </Field>
          {state.phase === 'prefill' ? (
            <Field label="prompt tokens per sequence">
              <NumberInput name="stepInputLen" state={state} set={set} min={1} />
            </Field>
          ) : (
            <Field label="cached tokens per sequence">
              <NumberInput name="contextLen" state={state} set={set} />
            </Field>
          )}
        </fieldset>
      )}
      <button type="button" class="reset" onClick={() => (Object.keys(DEFAULT_STATE) as (keyof WebState)[]).forEach((k) => k !== 'view' && set(k, DEFAULT_STATE[k]))}>
        Reset
      </button>
    </form>
  );
}

const num = (r: Record<string, unknown> | undefined, key: string): number | undefined => (r && typeof r[key] === 'number' ? (r[key] as number) : undefined);

/** The rows of the side-by-side table and of the headline cards: label, record key, how to print it. */
const METRICS: readonly (readonly [string, string, (v: unknown) => string])[] = [
  ['Request throughput (req/s)', 'request_throughput', (v) => fmt(v, 2)],
  ['Goodput (req/s meeting every SLO)', 'request_goodput', (v) => fmt(v, 2)],
  ['Output token throughput (tok/s)', 'output_throughput', (v) => fmt(v, 0)],
  ['Total token throughput, input + output (tok/s)', 'total_token_throughput', (v) => fmt(v, 0)],
  ['Output tok/s per device', 'output_throughput_per_device', (v) => fmt(v, 0)],
  ['Output tok/s per user (1000 / mean TPOT)', 'output_throughput_per_user', (v) => fmt(v, 1)],
  ['Mean TTFT', 'mean_ttft_ms', fmtMs],
  ['P99 TTFT', 'p99_ttft_ms', fmtMs],
  ['Mean TPOT', 'mean_tpot_ms', fmtMs],
  ['P99 TPOT', 'p99_tpot_ms', fmtMs],
  ['P99 E2E latency', 'p99_e2el_ms', fmtMs],
  ['KV cache peak use', 'kv_cache_peak_utilization', (v) => (typeof v === 'number' ? `${fmt(100 * v, 1)}%` : '-')],
  ['Preemptions', 'preemptions', (v) => fmt(v, 0)],
  ['Devices', 'num_devices', (v) => fmt(v, 0)],
  ['Completed requests', 'completed', (v) => fmt(v, 0)],
];

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function SimulateView(props: {
  state: WebState;
  current: Outcome<RunView>;
  pinned: WebState | undefined;
  pinnedRun: Outcome<RunView>;
  onPin: () => void;
  onUnpin: () => void;
  worker: SimulationWorker;
}) {
  const { current, pinnedRun, state, worker } = props;
  const [last, setLast] = useState<RunView | undefined>();
  useEffect(() => {
    if (current.status === 'done') setLast(current.value);
  }, [current]);
  const run = current.status === 'done' ? current.value : last;
  const pin = pinnedRun.status === 'done' && props.pinned ? pinnedRun.value : undefined;
  const record = run?.record;
  const exportFile = async (what: 'requests-csv' | 'series-csv', name: string) => {
    if (!run) return;
    const r = await worker.request({ kind: 'export', runId: run.runId, what }).response;
    if (r.ok && r.kind === 'export') download(name, r.text, 'text/csv');
  };
  return (
    <>
      <div class="status" data-status={current.status} data-run-id={run?.runId ?? ''}>
        {current.status === 'error' ? <p class="error" role="alert">{current.message}</p> : null}
        {run && (
          <p class="meta">
            {fmt(record?.completed, 0)} requests, {fmt(run.simulatedSteps, 0)} engine steps simulated in {fmt(run.elapsedMs, 0)} ms
            {current.status === 'running' ? ' (updating…)' : ''}
          </p>
        )}
      </div>
      {run && record && (
        <>
          <Summary run={run} state={state} />
          <div class="actions">
            {props.pinned ? (
              <button type="button" data-action="unpin" onClick={props.onUnpin}>
                Unpin
              </button>
            ) : (
              <button type="button" data-action="pin" onClick={props.onPin}>
                Pin this run to compare
              </button>
            )}
            <button type="button" data-action="download-json" onClick={() => download('llm-sim-result.json', `${JSON.stringify(record, null, 2)}\n`, 'application/json')}>
              JSON (--json)
            </button>
            <button type="button" data-action="download-requests" onClick={() => void exportFile('requests-csv', 'requests.csv')}>
              requests CSV (--output-requests)
            </button>
            <button type="button" data-action="download-series" onClick={() => void exportFile('series-csv', 'timeseries.csv')}>
              time series CSV (--output-timeseries)
            </button>
          </div>
          {pin && <p class="legend-note"><span class="swatch" style={{ background: PINNED }} /> pinned: <code>{cliCommand(props.pinned!)}</code></p>}
          <CompareTable run={run} pin={pin} />
          <RunCharts run={run} pin={pin} state={state} />
        </>
      )}
    </>
  );
}

function Summary({ run, state }: { run: RunView; state: WebState }) {
  const r = run.record;
  const slo = [state.ttftSloMs && `TTFT ≤ ${state.ttftSloMs} ms`, state.tpotSloMs && `TPOT ≤ ${state.tpotSloMs} ms`, state.e2elSloMs && `E2EL ≤ ${state.e2elSloMs} ms`].filter(Boolean).join(', ');
  const goodput = num(r, 'request_goodput');
  const throughput = num(r, 'request_throughput');
  const cards: [string, string, string?][] = [
    ['Output tokens/s', fmt(r.output_throughput, 0), `${fmt(r.output_throughput_per_device, 0)} per device`],
    ['Requests/s', fmt(r.request_throughput, 2), `${fmt(r.completed, 0)} completed`],
    [
      'Goodput (req/s)',
      goodput === undefined ? 'no SLO' : fmt(goodput, 2),
      goodput !== undefined && throughput ? `${fmt((100 * goodput) / throughput, 0)}% within ${slo}` : 'set SLOs to count it',
    ],
    ['TTFT p99', fmtMs(r.p99_ttft_ms), `median ${fmtMs(r.median_ttft_ms)}`],
    ['TPOT p99', fmtMs(r.p99_tpot_ms), `median ${fmtMs(r.median_tpot_ms)}`],
    ['KV cache peak', `${fmt(100 * (num(r, 'kv_cache_peak_utilization') ?? NaN), 0)}%`, `${fmt(r.preemptions, 0)} preemptions`],
  ];
  return (
    <>
      <div class="cards">
        {cards.map(([label, value, note]) => (
          <div class="card" data-card={label}>
            <div class="label">{label}</div>
            <div class="value">{value}</div>
            {note && <div class="note">{note}</div>}
          </div>
        ))}
      </div>
      <table class="pools">
        <thead>
          <tr>
            <th>pool</th>
            <th>xpu</th>
            <th>TP×PP</th>
            <th>instances</th>
            <th>weights/device</th>
            <th>KV cache/device</th>
            <th>KV tokens/instance</th>
            <th>max seqs / batched tokens</th>
          </tr>
        </thead>
        <tbody>
          {run.pools.map((p) => (
            <tr>
              <td>{p.role}</td>
              <td>{p.xpu}</td>
              <td>
                {p.tp}×{p.pp}
              </td>
              <td>{p.instances}</td>
              <td>{fmt(p.weightsGB, 1)} GB</td>
              <td>{fmt(p.kvCacheGB, 1)} GB</td>
              <td>{fmt(p.kvCacheTokens, 0)}</td>
              <td>
                {p.maxNumSeqs} / {p.maxNumBatchedTokens}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="meta">
        performance model: {String(r.performance_model_description)}
        <br />
        accuracy: {String((r.error_band as { text?: string } | undefined)?.text ?? '')}
      </p>
    </>
  );
}

function CompareTable({ run, pin }: { run: RunView; pin: RunView | undefined }) {
  return (
    <table class="compare" data-table="compare">
      <thead>
        <tr>
          <th>metric</th>
          <th style={{ color: CURRENT }}>this run</th>
          {pin && <th style={{ color: PINNED }}>pinned</th>}
          {pin && <th>change</th>}
        </tr>
      </thead>
      <tbody>
        {METRICS.map(([label, key, show]) => (
          <tr data-metric={key}>
            <td>{label}</td>
            <td class="num">{show(run.record[key])}</td>
            {pin && <td class="num">{show(pin.record[key])}</td>}
            {pin && <td class="num">{change(pin.record[key], run.record[key])}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const grid = { left: 64, right: 24, top: 40, bottom: 48, containLabel: false };
const axisName = (name: string) => ({ name, nameLocation: 'middle' as const, nameGap: 30 });

function cdfOption(title: string, metric: 'ttft' | 'tpot' | 'e2el', run: RunView, pin: RunView | undefined, sloMs: number): ChartOption {
  const max = Math.max(...[run, pin].flatMap((r) => (r ? r.cdf[metric].map((p) => p[0]) : [0])), sloMs);
  const seconds = max >= 10_000;
  const scale = (points: [number, number][]) => points.map(([x, y]) => [seconds ? x / 1000 : x, y]);
  const series: object[] = [
    {
      name: 'this run',
      type: 'line',
      showSymbol: false,
      data: scale(run.cdf[metric]),
      lineStyle: { color: CURRENT, width: 2 },
      itemStyle: { color: CURRENT },
      markLine: sloMs
        ? { symbol: 'none', silent: true, label: { formatter: 'SLO', position: 'insideEndTop' }, lineStyle: { color: '#16a34a', type: 'dashed' }, data: [{ xAxis: seconds ? sloMs / 1000 : sloMs }] }
        : undefined,
    },
  ];
  if (pin) series.push({ name: 'pinned', type: 'line', showSymbol: false, data: scale(pin.cdf[metric]), lineStyle: { color: PINNED, width: 2, type: 'dashed' }, itemStyle: { color: PINNED } });
  return {
    title: { text: title, left: 'center', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    grid,
    xAxis: { type: 'value', ...axisName(seconds ? 's' : 'ms'), min: 0 },
    yAxis: { type: 'value', min: 0, max: 1, ...axisName('share of requests'), nameGap: 40 },
    series,
  };
}

function seriesOption(title: string, unit: string, pick: (r: RunView) => number[], run: RunView, pin: RunView | undefined, percent = false): ChartOption {
  const points = (r: RunView) => r.series.timeSeconds.map((t, i) => [t, percent ? 100 * pick(r)[i] : pick(r)[i]]);
  const series: object[] = [{ name: 'this run', type: 'line', showSymbol: false, data: points(run), lineStyle: { color: CURRENT, width: 1.5 }, itemStyle: { color: CURRENT } }];
  if (pin) series.push({ name: 'pinned', type: 'line', showSymbol: false, data: points(pin), lineStyle: { color: PINNED, width: 1.5, type: 'dashed' }, itemStyle: { color: PINNED } });
  return {
    title: { text: title, left: 'center', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    grid,
    xAxis: { type: 'value', ...axisName('simulated time (s)'), min: 0 },
    yAxis: { type: 'value', min: 0, max: percent ? 100 : undefined, ...axisName(unit), nameGap: 44 },
    series,
  };
}

function RunCharts({ run, pin, state }: { run: RunView; pin: RunView | undefined; state: WebState }) {
  const options = useMemo(
    () => ({
      ttft: cdfOption('TTFT (CDF)', 'ttft', run, pin, state.ttftSloMs),
      tpot: cdfOption('TPOT (CDF)', 'tpot', run, pin, state.tpotSloMs),
      e2el: cdfOption('E2E latency (CDF)', 'e2el', run, pin, state.e2elSloMs),
      throughput: seriesOption('Output token throughput', 'output tok/s', (r) => r.series.outputThroughput, run, pin),
      kv: seriesOption('KV cache in use', '% of blocks', (r) => r.series.kvCacheUtilization, run, pin, true),
      queue: seriesOption('Requests waiting', 'requests', (r) => r.series.waitingRequests, run, pin),
    }),
    [run, pin, state.ttftSloMs, state.tpotSloMs, state.e2elSloMs],
  );
  return (
    <div class="charts">
      {Object.entries(options).map(([id, option]) => (
        <Chart id={id} option={option} />
      ))}
    </div>
  );
}

function StepView({ outcome }: { outcome: Outcome<{ step: StepReport; roof: Roof }> }) {
  const [last, setLast] = useState<{ step: StepReport; roof: Roof } | undefined>();
  useEffect(() => {
    if (outcome.status === 'done') setLast(outcome.value);
  }, [outcome]);
  const value = outcome.status === 'done' ? outcome.value : last;
  const option = useMemo(() => (value ? rooflineOption(value.step, value.roof) : undefined), [value]);
  return (
    <>
      <div class="status" data-status={outcome.status}>
        {outcome.status === 'error' && <p class="error" role="alert">{outcome.message}</p>}
      </div>
      {value && option && (
        <>
          <div class="cards">
            <div class="card" data-card="step time">
              <div class="label">step time</div>
              <div class="value">{fmtMs(value.step.total_ms)}</div>
              <div class="note">{value.step.bound}-bound overall</div>
            </div>
            <div class="card">
              <div class="label">arithmetic intensity</div>
              <div class="value">{fmt(value.step.arithmetic_intensity, 1)}</div>
              <div class="note">FLOP/byte; ridge {fmt(value.roof.peakFlopsPerSecond / value.roof.bandwidthBytesPerSecond, 0)}</div>
            </div>
            <div class="card">
              <div class="label">work</div>
              <div class="value">{fmt(value.step.flops / 1e12, 2)} TFLOP</div>
              <div class="note">{fmt(value.step.bytes / 1e9, 2)} GB moved</div>
            </div>
          </div>
          <p class="meta">performance model: {value.step.performance_model_description}</p>
          <Chart id="roofline" option={option} height={380} />
          <table class="breakdown" data-table="breakdown">
            <thead>
              <tr>
                <th>operator</th>
                <th>time</th>
                <th>share</th>
                <th>GFLOP</th>
                <th>MB moved</th>
                <th>FLOP/byte</th>
                <th>bound</th>
              </tr>
            </thead>
            <tbody>
              {value.step.breakdown.map((o) => (
                <tr data-op={o.op}>
                  <td>{o.op}</td>
                  <td class="num">{fmtMs(o.ms)}</td>
                  <td class="num">{fmt((100 * o.ms) / value.step.total_ms, 1)}%</td>
                  <td class="num">{fmt(o.flops / 1e9, 1)}</td>
                  <td class="num">{fmt(o.bytes / 1e6, 1)}</td>
                  <td class="num">{o.bytes > 0 ? fmt(o.flops / o.bytes, 1) : '-'}</td>
                  <td class={o.bound}>{o.bound}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

/** Operators placed by arithmetic intensity (x) and the FLOP/s they reach (y), under the xpu's two roofs, log-log. */
function rooflineOption(step: StepReport, roof: Roof): ChartOption {
  const ops = step.breakdown.filter((o) => o.flops > 0 && o.bytes > 0 && o.ms > 0);
  const points = ops.map((o) => ({ name: o.op, value: [o.flops / o.bytes, o.flops / (o.ms / 1000) / 1e12], bound: o.bound }));
  const ridge = roof.peakFlopsPerSecond / roof.bandwidthBytesPerSecond;
  const xs = points.map((p) => p.value[0]);
  const xMin = Math.min(0.1, ...xs) / 2;
  const xMax = Math.max(ridge * 10, ...xs) * 2;
  const roofAt = (x: number) => Math.min(roof.peakFlopsPerSecond, x * roof.bandwidthBytesPerSecond) / 1e12;
  const line = [xMin, ridge, xMax].map((x) => [x, roofAt(x)]);
  return {
    title: { text: `Roofline of one ${step.phase} step (${roof.dtype} peak ${fmt(roof.peakFlopsPerSecond / 1e12, 0)} TFLOP/s, ${fmt(roof.bandwidthBytesPerSecond / 1e9, 0)} GB/s)`, left: 'center', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'item', formatter: (p: { data?: { name?: string; value?: number[] } }) => (p.data?.name ? `${p.data.name}: ${fmt(p.data.value?.[0], 1)} FLOP/byte, ${fmt(p.data.value?.[1], 1)} TFLOP/s` : '') },
    legend: { bottom: 0 },
    grid: { left: 72, right: 32, top: 48, bottom: 72 },
    xAxis: { type: 'log', min: xMin, max: xMax, ...axisName('arithmetic intensity (FLOP/byte)') },
    yAxis: { type: 'log', ...axisName('attained TFLOP/s'), nameGap: 50 },
    series: [
      { name: 'roof', type: 'line', data: line, showSymbol: false, lineStyle: { color: '#111827', width: 2 }, itemStyle: { color: '#111827' }, silent: true },
      ...(['memory', 'compute'] as const).map((bound) => ({
        name: `${bound}-bound operators`,
        type: 'scatter',
        symbolSize: 11,
        itemStyle: { color: bound === 'memory' ? '#0891b2' : '#dc2626' },
        label: { show: true, formatter: (p: { data: { name: string } }) => p.data.name, position: 'right', fontSize: 11 },
        labelLayout: { hideOverlap: true },
        data: points.filter((p) => p.bound === bound),
      })),
    ],
  };
}
