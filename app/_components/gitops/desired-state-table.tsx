import type { DesiredEnvironment } from "./gitops-types";

/** What an overlay asks for, when no cluster can say what runs. */
export function DesiredStateTable({ desired }: { desired: DesiredEnvironment }) {
  const services = Object.entries(desired.images).sort(([a], [b]) => a.localeCompare(b));
  if (desired.problem) {
    return <p className="text-sm text-slate-400">{desired.problem}</p>;
  }
  return (
    <div data-testid={`desired-${desired.environment}`} className="space-y-2">
      <p className="text-xs text-slate-500">
        from <code>{desired.source}</code>
        {desired.objects.length > 0 && <> · {desired.objects.length} objects rendered</>}
      </p>
      <table className="w-full text-sm">
        <thead className="text-left text-xs text-slate-500">
          <tr>
            <th className="py-1 font-normal">service</th>
            <th className="py-1 font-normal">image in the overlay</th>
          </tr>
        </thead>
        <tbody>
          {services.map(([service, image]) => (
            <tr key={service} className="border-t border-slate-800">
              <td className="py-1">{service}</td>
              <td className="py-1 font-mono text-xs text-slate-300">{image}</td>
            </tr>
          ))}
          {services.length === 0 && (
            <tr>
              <td colSpan={2} className="py-1 text-slate-500">
                no keiko/&lt;service&gt; images in this overlay
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
