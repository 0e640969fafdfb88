// Section 14, STYLE 6 for HTTP: the one place contract codes become HTTP statuses.

/** The HTTP status of a refusal's contract code. */
export function httpStatusOf(code: string): number {
  if (code === "HSK-403-CAPABILITY" || code === "HSK-4001") return 403;
  if (code === "HSK-413-LIMIT") return 413;
  if (code.startsWith("HSK-400-")) return 400;
  if (code.startsWith("HSK-404-")) return 404;
  if (code.startsWith("HSK-409-")) return 409;
  return 500;
}
