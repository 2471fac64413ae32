import { GitopsView } from "@/app/_components/gitops/gitops-view";

export default function GitopsPage() {
  return (
    <>
      <header className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight">GitOps</h1>
        <p className="text-sm text-slate-400">
          Argo CD&apos;s Applications, live from the Kubernetes API: sync and health per
          environment, the image each service runs beside the one its overlay asks for, and a
          rollback that knows Git.
        </p>
      </header>
      <GitopsView />
    </>
  );
}
