/** A refused action or failed load, said plainly where the person is looking. */
export function ErrorNote({ message, flush = false }: { message: string; flush?: boolean }) {
  const frame = flush ? "border-t" : "rounded border";
  return (
    <p
      role="alert"
      className={`${frame} border-rose-900 bg-rose-950 px-3 py-2 text-sm text-rose-200`}
    >
      {message}
    </p>
  );
}
