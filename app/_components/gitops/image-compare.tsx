import type { ApplicationRow } from "./gitops-types";

/** The image running beside the one the overlay asks for; drift in amber. */
export function ImageCompare({ app }: { app: ApplicationRow }) {
  const tone =
    app.drift === "drift"
      ? "text-amber-300"
      : app.drift === "in sync"
        ? "text-emerald-300"
        : "text-slate-400";
  return (
    <div className="space-y-0.5 text-xs" data-testid={`images-${app.name}`}>
      <div>
        <span className="text-slate-500">deployed </span>
        <code className="font-mono text-slate-200">{app.deployedImage ?? "—"}</code>
      </div>
      <div>
        <span className="text-slate-500">overlay&nbsp;&nbsp; </span>
        <code className="font-mono text-slate-200">{app.desiredImage ?? "—"}</code>
      </div>
      <div className={tone} data-testid="image-drift">
        {app.drift === "drift" ? "drift: the cluster runs another image" : app.drift}
      </div>
    </div>
  );
}
