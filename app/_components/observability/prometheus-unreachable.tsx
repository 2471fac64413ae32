/** Said in place of the charts when the console cannot reach Prometheus. */
export function PrometheusUnreachable({ url, message }: { url: string; message: string }) {
  return (
    <section
      role="alert"
      data-testid="prometheus-unreachable"
      className="rounded-xl border border-amber-700 bg-amber-950/60 p-5 text-amber-100"
    >
      <h2 className="text-lg font-semibold">Prometheus is unreachable</h2>
      <p className="mt-1 text-sm">
        The console tried <code className="rounded bg-amber-900/70 px-1 font-mono">{url}</code>:{" "}
        {message}.
      </p>
      <p className="mt-2 text-sm text-amber-200/80">
        The charts need a Prometheus that scrapes the platform and loads
        k8s/base/observability/prometheus/rules.yml. `npm start` runs one when `prometheus` is
        installed (Debian/Ubuntu: apt-get install prometheus); PROMETHEUS_URL points the console at
        another. Everything else in the console works without it.
      </p>
    </section>
  );
}
