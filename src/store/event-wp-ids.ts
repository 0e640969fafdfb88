/** The WP ids an event is about, for `locus events --wp`: the WP, or both ends of an edge (every backend). */
export function eventWpIds(payload: Record<string, unknown>): [string | null, string | null] {
  const dependency = payload.dependency as { from_wp_id?: string; to_wp_id?: string } | undefined;
  const wpId = (payload.wp_id ?? dependency?.from_wp_id ?? payload.from_wp_id ?? null) as string | null;
  const related = (dependency?.to_wp_id ?? payload.to_wp_id ?? null) as string | null;
  return [wpId, related];
}
